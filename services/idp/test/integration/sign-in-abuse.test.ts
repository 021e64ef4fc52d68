/**
 * TB02/TB11 — sign-in abuse against the real IdP (real TLS, real PostgreSQL). Each test plays its
 * clients from their own loopback addresses (127.0.0.0/8), so the per-address counters and rate
 * limits of one test do not touch another's:
 *
 * - concurrent guesses cannot race past the threshold (password and TOTP);
 * - an attacker hammering an account does not lock its owner out;
 * - real and unknown names answer alike — status, body, timing — blocked or not;
 * - rate limits per client address and for the whole IdP answer 429 with `Retry-After`;
 * - old password hashes are upgraded, old-format TOTP secrets re-sealed, on the real database.
 */
import assert from 'node:assert/strict'
import { randomBytes, scryptSync } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import { generateSecret } from 'otplib'
import { createAccountStore } from '../../src/accounts/account-store.ts'
import { needsRehash } from '../../src/accounts/password.ts'
import { sealedKeyVersion } from '../../src/accounts/secret-box.ts'
import { THROTTLE_RULES, throttleKeys } from '../../src/accounts/sign-in-throttle.ts'
import { createThrottleStore } from '../../src/accounts/throttle-store.ts'
import { loadDerivedKeys } from '../../src/keys/derived-keys.ts'
import { legacySeal } from '../unit/accounts/legacy-seal.ts'
import { createTestAccount, deleteTestAccounts } from './support/accounts.ts'
import type { TestAccount } from './support/accounts.ts'
import {
  assertDenied,
  newTrace,
  type Trace,
  signIn,
  totpNow,
  type Response,
  Browser,
  authorizationParams,
  pkce,
  pushAuthorizationRequest,
  requireStack,
} from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

const PAIR_THRESHOLD = THROTTLE_RULES['password:pair'].threshold
const TOTP_THRESHOLD = THROTTLE_RULES['totp:pair'].threshold
let run: RunningIdp
const created: TestAccount[] = []

before(async () => {
  requireStack()
  run = await startIdp()
})
after(async () => {
  await deleteTestAccounts(run, created)
  await run.stop()
})

async function account(opts: { staff?: boolean } = {}): Promise<TestAccount> {
  const a = await createTestAccount(run, opts)
  created.push(a)
  return a
}

/** A browser on `address` with the login page of a fresh authorization request. */
async function loginPage(address: string, target: RunningIdp = run) {
  const browser = new Browser(target.issuer, address)
  const client = 'web-staff'
  const par = await pushAuthorizationRequest(
    target.issuer,
    client,
    authorizationParams(client, pkce().challenge, { scope: 'openid profile customers:read' }),
  )
  assert.equal(par.status, 201, par.text)
  const page = await browser.authorize(client, par.json<{ request_uri: string }>().request_uri)
  assert.equal(page.status, 200)
  return { browser, page }
}

/** Audit reasons of the given requests, counted. */
function reasonCounts(traces: readonly Trace[], target: RunningIdp = run) {
  const ids = new Set(traces.map((t) => t.traceId))
  const counts: Record<string, number> = {}
  for (const r of target.audit.filter((record) => ids.has(record.traceId))) {
    counts[r.reason] = (counts[r.reason] ?? 0) + 1
  }
  return counts
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}
const iqr = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return (s[Math.floor((s.length * 3) / 4)] ?? 0) - (s[Math.floor(s.length / 4)] ?? 0)
}

/**
 * The medians of the two groups agree within ±10 ms, or within the spread the machine itself
 * shows (the larger interquartile range of either group) when it is noisier than that — noise on
 * a shared machine is measured, not assumed. The figures are reported as test diagnostics.
 */
function assertSameTiming(times: { real: number[]; unknown: number[] }, t: TestContext) {
  const difference = Math.abs(median(times.real) - median(times.unknown))
  const tolerance = Math.max(10, iqr(times.real), iqr(times.unknown))
  const shown = `median real ${median(times.real).toFixed(1)} ms, unknown ${median(times.unknown).toFixed(1)} ms, tolerance ±${tolerance.toFixed(1)} ms`
  t.diagnostic(shown)
  assert.ok(difference <= tolerance, shown)
}

describe('lockout cannot be raced', () => {
  test(`20 concurrent wrong passwords for a fresh account: ${PAIR_THRESHOLD} are checked, the rest refused unchecked`, async () => {
    const victim = await account()
    const { browser, page } = await loginPage('127.0.0.10')
    const traces = Array.from({ length: 20 }, () => newTrace())
    const responses = await Promise.all(
      traces.map((t) =>
        browser.submit(
          page,
          'login',
          { username: victim.username, password: 'wrong-guess' },
          t.headers,
        ),
      ),
    )
    assert.deepEqual(reasonCounts(traces), {
      'login.bad_password': PAIR_THRESHOLD,
      'login.throttled': 20 - PAIR_THRESHOLD,
    })
    const throttled = responses.filter((r) => r.status === 429)
    assert.equal(throttled.length, 20 - PAIR_THRESHOLD)
    for (const r of throttled) assert.match(String(r.headers['retry-after']), /^\d+$/)
    const trace = traces.find((t) => reasonCounts([t])['login.throttled'])
    assert.ok(trace)
    assertDenied(run, trace, {
      reason: 'login.throttled',
      boundary: 'TB02',
      secrets: ['wrong-guess'],
    })
  })

  test(`20 concurrent wrong TOTP codes: ${TOTP_THRESHOLD} are checked, the rest refused unchecked`, async () => {
    const sam = await account({ staff: true })
    const { browser, page } = await loginPage('127.0.0.11')
    const totpPage = await browser.submit(page, 'login', {
      username: sam.username,
      password: sam.password,
    })
    assert.match(totpPage.text, /One-time code/)
    const right = Number(await totpNow(sam.totpSecret ?? ''))
    const traces = Array.from({ length: 20 }, () => newTrace())
    await Promise.all(
      traces.map((t, i) => {
        // Codes that are never valid in the ±30 s window (different from the current code).
        const code = String((right + 500_000 + i) % 1_000_000).padStart(6, '0')
        return browser.submit(totpPage, 'totp', { code }, t.headers)
      }),
    )
    assert.deepEqual(reasonCounts(traces), {
      'mfa.bad_code': TOTP_THRESHOLD,
      'mfa.throttled': 20 - TOTP_THRESHOLD,
    })
    const trace = traces.find((t) => reasonCounts([t])['mfa.throttled'])
    assert.ok(trace)
    assertDenied(run, trace, {
      reason: 'mfa.throttled',
      boundary: 'TB11',
      secrets: [sam.password, sam.totpSecret ?? ''],
    })
  })

  test('the counters are one atomic step in PostgreSQL: 20 concurrent reservations, 5 granted', async () => {
    const throttle = createThrottleStore(run.idp.pool)
    const keys = throttleKeys(
      randomBytes(32),
      'password',
      `race-${randomBytes(4).toString('hex')}`,
      '192.0.2.1',
    )
    const now = new Date()
    const results = await Promise.all(Array.from({ length: 20 }, () => throttle.reserve(keys, now)))
    assert.equal(results.filter((r) => r.granted).length, PAIR_THRESHOLD)
    await throttle.clear(keys)
  })
})

describe('lockout is not a denial-of-service weapon', () => {
  test("an attacker hammering an account blocks only the attacker's address; the owner signs in elsewhere", async () => {
    const owner = await account()
    const attacker = await loginPage('127.0.0.12')
    for (let i = 0; i < PAIR_THRESHOLD * 3; i++) {
      await attacker.browser.submit(attacker.page, 'login', {
        username: owner.username,
        password: `guess-${i}`,
      })
    }
    const trace = newTrace()
    const blocked = await attacker.browser.submit(
      attacker.page,
      'login',
      { username: owner.username, password: owner.password },
      trace.headers,
    )
    assert.equal(blocked.status, 429, 'the right password from the hammering address waits too')
    assertDenied(run, trace, {
      reason: 'login.throttled',
      boundary: 'TB02',
      secrets: [owner.password],
    })

    const signedIn = await signIn(run.issuer, {
      ...owner,
      browser: new Browser(run.issuer, '127.0.0.13'),
    })
    assert.ok(signedIn.code, 'the owner, from another address, is signed in')
  })
})

describe('lockout does not reveal which accounts exist', () => {
  /** Login page body with the echoed username blanked (the only legitimate difference). */
  const comparable = (res: Response, username: string) => ({
    status: res.status,
    retryAfter: res.headers['retry-after'] === undefined ? undefined : 'set',
    body: res.text.replaceAll(username, '<name>'),
  })

  /** One timed wrong-password attempt. */
  async function timed(browser: Browser, page: Response, username: string) {
    const start = performance.now()
    const res = await browser.submit(page, 'login', { username, password: 'wrong-password' })
    return { ms: performance.now() - start, res }
  }

  /** Interleaved samples for a real and an unknown name; asserts equal answers and medians. */
  async function compare(
    t: TestContext,
    samples: number,
    addressOf: (i: number) => string,
    blocked: boolean,
  ) {
    const real = await account()
    const unknown = `test-${randomBytes(6).toString('hex')}`
    const times = { real: [] as number[], unknown: [] as number[] }
    for (let i = 0; i < samples; i++) {
      const { browser, page } = await loginPage(addressOf(i))
      // Alternate the order so drift in the machine's load hits both alike.
      const order = i % 2 === 0 ? (['real', 'unknown'] as const) : (['unknown', 'real'] as const)
      const seen: Record<string, ReturnType<typeof comparable>> = {}
      for (const who of order) {
        const name = who === 'real' ? real.username : unknown
        const { ms, res } = await timed(browser, page, name)
        times[who].push(ms)
        seen[who] = comparable(res, name)
      }
      assert.deepEqual(seen.real, seen.unknown, `sample ${i}: same status, headers and body`)
      assert.equal(seen.real?.status, blocked ? 429 : 401)
    }
    assertSameTiming(times, t)
  }

  test('a wrong password for a real and an unknown name: same answer, same time', async (t) => {
    await compare(t, 7, (i) => `127.0.1.${i + 1}`, false)
  })

  test('blocked, a real and an unknown name: same answer (429, Retry-After), same time', async (t) => {
    const address = '127.0.0.14'
    const { browser, page } = await loginPage(address)
    const real = await account()
    const unknown = `test-${randomBytes(6).toString('hex')}`
    for (const name of [real.username, unknown]) {
      for (let i = 0; i < PAIR_THRESHOLD; i++) {
        await browser.submit(page, 'login', { username: name, password: 'wrong-password' })
      }
    }
    const times = { real: [] as number[], unknown: [] as number[] }
    for (let i = 0; i < 7; i++) {
      const r = await timed(browser, page, real.username)
      const u = await timed(browser, page, unknown)
      times.real.push(r.ms)
      times.unknown.push(u.ms)
      assert.deepEqual(comparable(r.res, real.username), comparable(u.res, unknown))
      assert.equal(r.res.status, 429)
      // The waits themselves differ by the seconds between the two blocks (unit-tested equal).
      for (const { res } of [r, u]) {
        const wait = Number(res.headers['retry-after'])
        assert.ok(wait >= 1 && wait <= 60, `a wait of at most the first block: ${wait}`)
      }
    }
    assertSameTiming(times, t)
  })
})

describe('rate limits', () => {
  test('33 concurrent attempts from one address: those over the limit get 429 with Retry-After, audited', async () => {
    const { browser, page } = await loginPage('127.0.0.15')
    const name = `test-${randomBytes(6).toString('hex')}`
    const traces = Array.from({ length: 33 }, () => newTrace())
    const responses = await Promise.all(
      traces.map((t) =>
        browser.submit(page, 'login', { username: name, password: 'wrong-guess' }, t.headers),
      ),
    )
    const counts = reasonCounts(traces)
    // A full bucket holds 30 (per minute); a token may refill while the burst arrives.
    const limited = counts['login.rate_limited.address'] ?? 0
    assert.ok(limited >= 2 && limited <= 3, JSON.stringify(counts))
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      33,
      'every attempt is audited once',
    )
    const index = traces.findIndex((t) => reasonCounts([t])['login.rate_limited.address'])
    const trace = traces[index]
    assert.ok(trace)
    assertDenied(run, trace, {
      reason: 'login.rate_limited.address',
      boundary: 'TB02',
      secrets: ['wrong-guess'],
    })
    const res = responses[index]
    assert.equal(res?.status, 429)
    assert.match(String(res?.headers['retry-after']), /^[1-9]\d*$/)
    assert.match(res?.text ?? '', /role="alert"[^>]*>Too many sign-in attempts/)
  })

  test('the global limit caps attempts over all addresses', async () => {
    const small = await startIdp({ env: { SIGN_IN_RATE_GLOBAL: '3' } })
    try {
      const traces: Trace[] = []
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const { browser, page } = await loginPage(`127.0.2.${i + 1}`, small)
        const trace = newTrace()
        traces.push(trace)
        const res = await browser.submit(
          page,
          'login',
          { username: `test-${randomBytes(6).toString('hex')}`, password: 'guess' },
          trace.headers,
        )
        statuses.push(res.status)
      }
      assert.deepEqual(statuses, [401, 401, 401, 429])
      const last = traces.at(-1)
      assert.ok(last)
      assertDenied(small, last, { reason: 'login.rate_limited.global', boundary: 'TB02' })
    } finally {
      await small.stop()
    }
  })
})

describe('stored credentials are upgraded', () => {
  test('a password hash below the current cost is re-hashed on the next successful sign-in', async () => {
    const store = createAccountStore(run.idp.pool)
    const id = `test-${randomBytes(6).toString('hex')}`
    const password = randomBytes(12).toString('base64url')
    const salt = randomBytes(16)
    const N = 2 ** 14
    const weak = ['scrypt', N, 8, 1, salt.toString('base64url')]
      .concat(
        scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }).toString(
          'base64url',
        ),
      )
      .join('$')
    await store.insertAccountIfMissing({
      id,
      username: id,
      displayName: id,
      passwordHash: weak,
      groups: [],
    })
    created.push({ username: id, password })
    await signIn(run.issuer, {
      username: id,
      password,
      browser: new Browser(run.issuer, '127.0.0.16'),
    })
    const upgraded = (await store.findById(id))?.passwordHash ?? ''
    assert.match(upgraded, /^scrypt\$131072\$8\$1\$/)
    assert.equal(needsRehash(upgraded), false)
  })

  test('a TOTP secret in the retired format is re-sealed as JWE at start-up and still works', async () => {
    const store = createAccountStore(run.idp.pool)
    const key = loadDerivedKeys(run.secretsDir).totpSeal
    const sam = await account({ staff: true })
    const legacy = legacySeal(key, sam.username, sam.totpSecret ?? generateSecret())
    assert.equal(
      await store.swapSealedTotpSecret(
        sam.username,
        (await store.findById(sam.username))?.sealedTotpSecret ?? '',
        legacy,
      ),
      true,
    )
    const restarted = await startIdp()
    try {
      const sealed = (await store.findById(sam.username))?.sealedTotpSecret ?? ''
      assert.equal(sealedKeyVersion(sealed), key.kid, 're-sealed as JWE under the current key')
      const signedIn = await signIn(restarted.issuer, {
        client: 'web-staff',
        ...sam,
        params: { scope: 'openid customers:read' },
        browser: new Browser(restarted.issuer, '127.0.0.17'),
      })
      assert.ok(signedIn.code)
    } finally {
      await restarted.stop()
    }
  })
})
