import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DEFAULT_POLICY_FILE,
  effectiveApis,
  loadPolicyFile,
  parsePolicyFile,
  PolicyFileError,
} from '../../src/policy-file.ts'

type PolicyDocument = ReturnType<typeof loadPolicyFile>
const shipped = (): PolicyDocument => structuredClone(loadPolicyFile(DEFAULT_POLICY_FILE))

describe('policy file', () => {
  it('the shipped file is valid; per-API policies replace the automated ones member by member', () => {
    const apis = effectiveApis(loadPolicyFile(DEFAULT_POLICY_FILE))
    const shopping = apis.find((api) => api.name === 'shopping')
    const assistant = apis.find((api) => api.name === 'assistant')
    assert.deepEqual(shopping?.clients, ['web'])
    assert.deepEqual(assistant?.clients, ['web-staff'])
    assert.equal(assistant?.spike.requests, 30)
    assert.equal(shopping?.spike.requests, 100)
    assert.deepEqual(assistant?.cors, shopping?.cors)
  })

  it('refuses a file that would weaken a policy by mistake', () => {
    const cases: [string, (file: PolicyDocument) => void, RegExp][] = [
      ['unknown key', (f) => Object.assign(f.all, { rateLimit: {} }), /all: Unrecognized key/],
      ['bad CIDR', (f) => (f.all.ipFilter.deny = ['10.0.0.0/33']), /CIDR/],
      ['wildcard origin', (f) => (f.all.cors.origins = ['*']), /exact origin/],
      ['origin with a path', (f) => (f.all.cors.origins = ['https://a.example/x']), /exact origin/],
      ['API without clients', (f) => f.apis[0]?.clients.splice(0), /apis\.0\.clients/],
      ['unknown tier', (f) => (f.clientTiers.web = 'platinum'), /tier "platinum"/],
      [
        'shared prefix',
        (f) => Object.assign(f.apis[1] ?? {}, { prefix: '/shopping' }),
        /share a prefix/,
      ],
      ['zero limit', (f) => (f.all.json.maxDepth = 0), /all\.json\.maxDepth/],
      [
        'anonymous client the API does not admit',
        (f) => f.apis[0]?.anonymous?.clients.push('web-staff'),
        /anonymous client "web-staff"/,
      ],
      [
        'anonymous route outside the API',
        (f) => f.apis[0]?.anonymous?.routes.push({ method: 'GET', path: '/assistant/customers' }),
        /anonymous route \/assistant\/customers is outside/,
      ],
      [
        'anonymous route that is a pattern',
        (f) => f.apis[0]?.anonymous?.routes.push({ method: 'GET', path: '/shopping/*' }),
        /anonymous\.routes/,
      ],
    ]
    for (const [name, edit, message] of cases) {
      const file = shipped()
      edit(file)
      assert.throws(
        () => parsePolicyFile(file),
        (err: unknown) => {
          assert.ok(err instanceof PolicyFileError, name)
          assert.match(err.message, message, name)
          return true
        },
      )
    }
  })

  it('refuses an unreadable file', () => {
    assert.throws(() => loadPolicyFile('/nonexistent/policies.json'), PolicyFileError)
  })
})
