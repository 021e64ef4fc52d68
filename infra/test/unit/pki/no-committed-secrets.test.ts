/**
 * TB13: nothing secret is ever committed. Scans every tracked file and every untracked file that
 * is not ignored (what the next commit could pick up) for PEM private keys and private JWKs, and
 * checks that `.stack/` (where the dev PKI writes them) is ignored. Read-only git commands only.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@mythical/stack'

/** A PEM private key header followed by actual key material (not just a mention of the header). */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}/
/** A JWK private member (`d` of EC/OKP/RSA keys) with a value long enough to be a real key. */
const JWK_PRIVATE_MEMBER = /"d"\s*:\s*"[A-Za-z0-9_-]{32,}"/
/** A symmetric JWK's key value (`k` of `oct` keys, e.g. a data key) of at least 128 bits. */
const JWK_SECRET_MEMBER = /"k"\s*:\s*"[A-Za-z0-9_-]{22,}"/

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })

/** Files (relative paths) whose text contains `fixed`, among tracked and not-ignored files. */
function candidates(fixed: string): string[] {
  try {
    return git('grep', '--untracked', '-l', '-I', '-F', '-e', fixed).split('\n').filter(Boolean)
  } catch (error) {
    // git grep exits 1 when nothing matches.
    if ((error as { status?: number }).status === 1) return []
    throw error
  }
}

const offending = (fixed: string, material: RegExp) =>
  candidates(fixed).filter((file) => material.test(readFileSync(join(REPO_ROOT, file), 'utf8')))

describe('no secret material in the repository', () => {
  it('has no PEM private key in tracked or committable files', () => {
    assert.deepEqual(offending('PRIVATE KEY-----', PEM_PRIVATE_KEY), [])
  })

  it('has no private JWK in tracked or committable files', () => {
    assert.deepEqual(offending('"d"', JWK_PRIVATE_MEMBER), [])
  })

  it('has no symmetric JWK (data key) in tracked or committable files', () => {
    assert.deepEqual(offending('"k"', JWK_SECRET_MEMBER), [])
  })

  it('ignores .stack/, where the dev PKI writes keys', () => {
    for (const file of ['tls.key', 'data-key.jwk.json']) {
      const probe = join('.stack', 'secrets', 'orders-api', file)
      assert.equal(git('check-ignore', probe).trim(), probe)
    }
    assert.equal(git('ls-files', '.stack').trim(), '')
  })

  it('detects real key material (the scan can fail)', () => {
    const pem = ['-----BEGIN ' + 'PRIVATE KEY-----', 'A'.repeat(64), '-----END PRIVATE KEY-----']
    assert.match(pem.join('\n'), PEM_PRIVATE_KEY)
    assert.match(JSON.stringify({ kty: 'EC', d: 'x'.repeat(43) }), JWK_PRIVATE_MEMBER)
    assert.doesNotMatch('"d": "short"', JWK_PRIVATE_MEMBER)
    const dataKey = { kty: 'oct', kid: 'x', k: Buffer.alloc(32, 1).toString('base64url') }
    assert.match(JSON.stringify(dataKey, null, 2), JWK_SECRET_MEMBER)
    assert.doesNotMatch('"k": "short"', JWK_SECRET_MEMBER)
  })
})
