/**
 * oidc-provider's token-endpoint refusals become TB10 records of the one audit shape, written
 * through the real audit logger (so the serializers and masking of `@mythical/audit` apply).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAuditLogger } from '@mythical/audit'
import Provider, { errors } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { auditProviderEvents } from '../../../src/audit/provider-events.ts'

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

function setup() {
  const provider = new Provider('https://localhost:5000')
  const records: Record<string, unknown>[] = []
  const audit = createAuditLogger({
    service: 'partner-idp',
    destination: {
      write: (line: string) => {
        // The logger's own members (level, time, service, msg, audit) are not the record's.
        const { level: _l, time: _t, service: _s, msg: _m, audit: _a, ...record } = JSON.parse(line)
        records.push(record)
      },
    },
  })
  const audited = new WeakSet<Error>()
  auditProviderEvents(provider, audit, audited)
  const ctx = (params: Record<string, unknown>) =>
    ({
      get: (name: string) => (name === 'traceparent' ? TRACEPARENT : ''),
      oidc: { params, route: 'token' },
    }) as unknown as KoaContextWithOIDC
  return { provider, records, audited, ctx }
}

test('a failed client authentication is a TB10 deny with the claimed client and the trace id', () => {
  const { provider, records, ctx } = setup()
  provider.emit(
    'grant.error',
    ctx({ client_id: 'intruder' }),
    new errors.InvalidClient('client authentication failed', 'client not found'),
  )
  assert.deepEqual(records, [
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      boundary: 'TB10',
      route: 'POST /token',
      decision: 'deny',
      reason: 'client_auth.unknown_client',
      client: 'intruder',
      oauthError: 'invalid_client',
    },
  ])
})

test('client authentication reasons are the retail IdP ones (client_auth.*)', () => {
  const { provider, records, ctx } = setup()
  const cases: [Error, string][] = [
    [
      new errors.InvalidClientAuth('client assertion tokens must only be used once'),
      'client_auth.assertion_replayed',
    ],
    [
      new errors.InvalidClientAuth('signature verification failed'),
      'client_auth.assertion_bad_signature',
    ],
    [new errors.InvalidClientAuth('something else'), 'client_auth.failed'],
    [new errors.UnsupportedGrantType(), 'oauth.unsupported_grant_type'],
  ]
  for (const [err] of cases) provider.emit('grant.error', ctx({ client_id: 'web' }), err)
  assert.deepEqual(
    records.map((r) => r.reason),
    cases.map(([, reason]) => reason),
  )
})

test('library error text never reaches the audit record', () => {
  const { provider, records, ctx } = setup()
  const prose = 'assertion for <script>4111111111111111</script> rejected'
  provider.emit('grant.error', ctx({ client_id: 'web' }), new errors.InvalidClientAuth(prose))
  provider.emit('server_error', ctx({}), new TypeError(prose))
  assert.equal(records.length, 2)
  for (const record of records) {
    assert.ok(!JSON.stringify(record).includes('4111'), JSON.stringify(record))
    assert.equal('detail' in record, false)
  }
})

test('errors the federation grant already audited are not recorded twice', () => {
  const { provider, records, audited, ctx } = setup()
  const err = new errors.InvalidGrant()
  audited.add(err)
  provider.emit('grant.error', ctx({}), err)
  assert.equal(records.length, 0)
})

test('an unexpected failure is audited as a deny', () => {
  const { provider, records, ctx } = setup()
  provider.emit('server_error', ctx({}), new TypeError('boom'))
  assert.equal(records[0]?.decision, 'deny')
  assert.equal(records[0]?.reason, 'oauth.server_error')
  assert.equal(records[0]?.route, 'token')
})
