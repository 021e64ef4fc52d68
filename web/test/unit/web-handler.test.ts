/**
 * TB01 at the BFF's handler: the session cookie is the only credential the browser has; no
 * cookie, a forged or an expired one, and a cross-site POST are refused with a problem and an
 * audit reason; a signed-in call reaches the gateway and its answer carries no token. Sessions
 * are an in-memory store here (the PostgreSQL store is proven by the stack).
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { AuditLogger, AuditRecord } from '@mythical/audit'
import { SHOPPER_APP, safeReturnPath } from '../../src/bff/oidc-apps.ts'
import type { SessionKind, SessionStore } from '../../src/bff/sealed-sessions.ts'
import type { PendingSignIn, SignInClient, SignedInSession } from '../../src/bff/sign-in.ts'
import type { GatewayCall } from '../../src/bff/gateway-routes.ts'
import { createWebHandler } from '../../src/server.ts'

const ORIGIN = 'https://localhost:3000'
const ACCESS_TOKEN = 'opaque-access-token-never-for-the-browser'

function memorySessions() {
  const rows = new Map<string, { kind: SessionKind; data: unknown; expiresAt: Date }>()
  const store: SessionStore = {
    async save(id, kind, data, expiresAt) {
      rows.set(id, { kind, data, expiresAt })
    },
    async load(id, kind) {
      const row = rows.get(id)
      if (!row || row.kind !== kind) return 'unknown'
      if (kind === 'pending') rows.delete(id)
      if (row.expiresAt.getTime() <= Date.now()) return 'expired'
      return { data: row.data }
    },
    async remove(id) {
      rows.delete(id)
    },
  }
  return { store, rows }
}

const katie: SignedInSession = {
  clientId: 'web',
  sub: 'katie-sub',
  name: 'Katie',
  accessToken: ACCESS_TOKEN,
  accessTokenExpiresAt: Date.now() + 600_000,
  refreshToken: 'refresh-token',
  idToken: 'id-token',
  dpopKey: { privateJwk: {}, publicJwk: {} },
}

const ANONYMOUS_TOKEN = 'web-client-token-for-visitors'
const begun: { returnTo: string; acrValues?: string }[] = []

const signInStub = {
  async begin(returnTo: string, options: { acrValues?: string } = {}) {
    begun.push({ returnTo, ...options })
    const pending = { state: 's', nonce: 'n', verifier: 'v', returnTo, dpopKey: katie.dpopKey }
    return { location: 'https://localhost:4000/authorize?request_uri=urn:x', pending }
  },
  async complete(_url: URL, pending: PendingSignIn) {
    assert.equal(pending.state, 's')
    return katie
  },
} as unknown as SignInClient

describe('web BFF handler (TB01)', () => {
  const { store, rows } = memorySessions()
  const audits: AuditRecord[] = []
  const gatewayCalls: Parameters<GatewayCall>[] = []
  const trackings: { sub: string; orderId: string }[] = []
  let server: Server
  let base: string

  before(async () => {
    const handler = createWebHandler({
      origin: ORIGIN,
      identityProviders: ['https://localhost:4000'],
      sessions: store,
      signIn: { web: signInStub, 'web-staff': signInStub },
      callGateway: async (...args) => {
        gatewayCalls.push(args)
        return { status: 200, body: { orders: [] }, contentType: 'application/json' }
      },
      anonymous: async () => ({
        clientId: 'web',
        accessToken: ANONYMOUS_TOKEN,
        dpopKey: katie.dpopKey,
      }),
      trackParcels: async (session, orderId) => {
        trackings.push({ sub: session.sub, orderId })
        if (orderId === 'partner-down') throw new Error('ECONNREFUSED')
        return {
          status: 200,
          body: { parcels: [{ orderId, status: 'in_transit', events: [] }] },
          contentType: 'application/json',
        }
      },
      audit: { decision: (r: AuditRecord) => audits.push(r) } as unknown as AuditLogger,
      pages: async (_req, res) => {
        res.end('<html>page</html>')
      },
    })
    server = createServer((req, res) => void handler(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => server.close())

  const lastAudit = () => audits.at(-1)

  async function signedInCookie(): Promise<string> {
    const login = await fetch(`${base}/auth/login?returnTo=/orders`, { redirect: 'manual' })
    const pending = /__Host-mythical-signin=([^;]+)/.exec(
      login.headers.get('set-cookie') ?? '',
    )?.[1]
    assert.ok(pending)
    const callback = await fetch(`${base}/auth/callback?code=c&state=s`, {
      redirect: 'manual',
      headers: {
        cookie: `__Host-mythical-signin=${pending}; ${SHOPPER_APP.cookie}=planted-session-id-000000000`,
      },
    })
    assert.equal(callback.status, 303)
    assert.equal(callback.headers.get('location'), '/orders')
    const cookies = callback.headers.getSetCookie()
    const session = cookies.find((c) => c.startsWith(`${SHOPPER_APP.cookie}=`))
    assert.ok(session)
    assert.match(session, /; Path=\/; Secure; HttpOnly; SameSite=Lax/)
    assert.doesNotMatch(session, /Domain=/i)
    const id = /=([^;]+)/.exec(session)?.[1] ?? ''
    assert.notEqual(id, 'planted-session-id-000000000', 'a new session id at sign-in')
    return `${SHOPPER_APP.cookie}=${id}`
  }

  it('a signed-in call reaches the gateway; the answer holds no token', async () => {
    const cookie = await signedInCookie()
    const response = await fetch(`${base}/api/orders`, { headers: { cookie } })
    assert.equal(response.status, 200)
    const text = await response.text()
    assert.doesNotMatch(text, new RegExp(ACCESS_TOKEN))
    assert.equal(gatewayCalls.at(-1)?.[1].path, '/shopping/me/orders')
    assert.equal(gatewayCalls.at(-1)?.[0].accessToken, ACCESS_TOKEN)
    const session = await fetch(`${base}/api/session`, { headers: { cookie } })
    assert.deepEqual(await session.json(), { signedIn: true, name: 'Katie' })
  })

  it('refuses a call without a cookie', async () => {
    const response = await fetch(`${base}/api/orders`)
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('content-type'), 'application/problem+json')
    assert.equal(((await response.json()) as { code: string }).code, 'ZT_ERR_SESSION_REQUIRED')
    assert.equal(lastAudit()?.reason, 'session.missing')
    assert.equal(lastAudit()?.boundary, 'TB01')
  })

  it('refuses a forged cookie', async () => {
    const response = await fetch(`${base}/api/orders`, {
      headers: { cookie: `${SHOPPER_APP.cookie}=forged-session-id-forged-session-id-00` },
    })
    assert.equal(response.status, 401)
    assert.equal(((await response.json()) as { code: string }).code, 'ZT_ERR_SESSION_REQUIRED')
    assert.equal(lastAudit()?.reason, 'session.unknown')
  })

  it('refuses an expired session', async () => {
    const cookie = await signedInCookie()
    const id = cookie.split('=')[1] ?? ''
    const row = rows.get(id)
    assert.ok(row)
    row.expiresAt = new Date(Date.now() - 1000)
    const response = await fetch(`${base}/api/orders`, { headers: { cookie } })
    assert.equal(response.status, 401)
    assert.equal(lastAudit()?.reason, 'session.expired')
  })

  it('refuses a cross-site POST even with a valid session', async () => {
    const cookie = await signedInCookie()
    const before = gatewayCalls.length
    const response = await fetch(`${base}/api/orders`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ items: [] }),
    })
    assert.equal(response.status, 403)
    assert.equal(((await response.json()) as { code: string }).code, 'ZT_ERR_CROSS_SITE_REQUEST')
    assert.equal(lastAudit()?.reason, 'csrf.origin_mismatch')
    assert.equal(gatewayCalls.length, before, 'nothing reached the gateway')
  })

  it('a replayed sign-in callback is refused (the pending sign-in is used once)', async () => {
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' })
    const pending = /__Host-mythical-signin=([^;]+)/.exec(
      login.headers.get('set-cookie') ?? '',
    )?.[1]
    const headers = { cookie: `__Host-mythical-signin=${pending}` }
    assert.equal(
      (await fetch(`${base}/auth/callback?code=c&state=s`, { redirect: 'manual', headers })).status,
      303,
    )
    const replay = await fetch(`${base}/auth/callback?code=c&state=s`, {
      redirect: 'manual',
      headers,
    })
    assert.equal(replay.status, 400)
    assert.equal(((await replay.json()) as { code: string }).code, 'ZT_ERR_SIGN_IN_FAILED')
    assert.equal(lastAudit()?.reason, 'sign_in.state_unknown')
  })

  it('sets the security headers and a fresh CSP nonce on pages', async () => {
    const first = await fetch(`${base}/`)
    const second = await fetch(`${base}/`)
    const csp = first.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'/)
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /form-action 'self' https:\/\/localhost:4000(;|$)/)
    assert.notEqual(csp, second.headers.get('content-security-policy'))
    assert.match(first.headers.get('strict-transport-security') ?? '', /max-age=\d+/)
    assert.equal(first.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(first.headers.get('referrer-policy'), 'same-origin')
  })

  it('visitors browse the catalogue with the web client token; signed in, with her own', async () => {
    const anonymous = await fetch(`${base}/api/products`)
    assert.equal(anonymous.status, 200)
    assert.equal(gatewayCalls.at(-1)?.[0].accessToken, ANONYMOUS_TOKEN)
    assert.equal(gatewayCalls.at(-1)?.[1].path, '/shopping/products')
    assert.doesNotMatch(await anonymous.text(), new RegExp(ANONYMOUS_TOKEN))
    const cookie = await signedInCookie()
    await fetch(`${base}/api/products`, { headers: { cookie } })
    assert.equal(gatewayCalls.at(-1)?.[0].accessToken, ACCESS_TOKEN)
    // Only the catalogue is open: her orders still need a session.
    assert.equal((await fetch(`${base}/api/orders`)).status, 401)
  })

  it("a shopper's session never opens the staff app: 403 ZT_ERR_STAFF_ONLY, audited on TB11", async () => {
    const cookie = await signedInCookie()
    const before = gatewayCalls.length
    const response = await fetch(`${base}/api/staff/customers?q=bob`, { headers: { cookie } })
    assert.equal(response.status, 403)
    assert.equal(((await response.json()) as { code: string }).code, 'ZT_ERR_STAFF_ONLY')
    assert.equal(lastAudit()?.reason, 'staff.shopper_session')
    assert.equal(lastAudit()?.boundary, 'TB11')
    assert.equal(gatewayCalls.length, before, 'nothing reached the gateway')
    const probe = await fetch(`${base}/api/staff/session`, { headers: { cookie } })
    assert.deepEqual(await probe.json(), { signedIn: false, shopper: true })
    // Nobody signed in: a sign-in prompt (401), not a refusal.
    assert.equal((await fetch(`${base}/api/staff/customers?q=bob`)).status, 401)
  })

  it('step-up asks the IdP for MFA by name only (RFC 9470 acr_values)', async () => {
    await fetch(`${base}/staff/auth/login?stepUp=mfa`, { redirect: 'manual' })
    assert.deepEqual(begun.at(-1), { returnTo: '/staff', acrValues: 'urn:mythical:acr:mfa' })
    await fetch(`${base}/staff/auth/login?stepUp=urn:evil`, { redirect: 'manual' })
    assert.deepEqual(begun.at(-1), { returnTo: '/staff' })
  })

  it('tracks a parcel for the signed-in shopper; a partner failure is a 502 problem on TB10', async () => {
    const cookie = await signedInCookie()
    const response = await fetch(`${base}/api/orders/o-42/tracking`, { headers: { cookie } })
    assert.equal(response.status, 200)
    assert.deepEqual(trackings.at(-1), { sub: 'katie-sub', orderId: 'o-42' })
    assert.equal(lastAudit()?.reason, 'tracking.partner_answered')
    assert.equal(lastAudit()?.boundary, 'TB10')
    const down = await fetch(`${base}/api/orders/partner-down/tracking`, { headers: { cookie } })
    assert.equal(down.status, 502)
    assert.equal(((await down.json()) as { code: string }).code, 'ZT_ERR_TRACKING_UNAVAILABLE')
    assert.equal(lastAudit()?.reason, 'tracking.partner_unreachable')
    const count = trackings.length
    assert.equal((await fetch(`${base}/api/orders/o-42/tracking`)).status, 401)
    assert.equal(
      (await fetch(`${base}/api/orders/..%2Fx/tracking`, { headers: { cookie } })).status,
      404,
    )
    assert.equal(trackings.length, count, 'no tracking without a session or with a bad id')
  })

  it('never redirects off-site after sign-in', () => {
    for (const evil of ['//evil.example', '/\\evil.example', 'https://evil.example']) {
      assert.equal(safeReturnPath(evil, SHOPPER_APP), '/', evil)
    }
    assert.equal(safeReturnPath('/orders/1', SHOPPER_APP), '/orders/1')
  })
})
