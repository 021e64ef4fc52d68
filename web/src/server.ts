/**
 * The web's request handler: the BFF's own routes (sign-in, sign-out, `/api/*` towards the
 * gateway) and, for everything else, the Next.js pages. Security headers and the CSP nonce go on
 * every response; state-changing requests must be same-origin (csrf.ts); `/api/*` needs a session
 * (the browser's only credential, an opaque `__Host-` cookie — tokens stay in the sealed row).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuditLogger } from '@mythical/audit'
import { isSameOriginRequest } from './bff/csrf.ts'
import { SHOPPER_APP, STAFF_APP, safeReturnPath, type BrowserApp } from './bff/oidc-apps.ts'
import { WEB_REASONS, WebProblems } from './bff/problems.ts'
import { redirect, sendJson, sendProblem } from './bff/respond.ts'
import type { SessionStore } from './bff/sealed-sessions.ts'
import { newSessionId, readCookie, sessionCookie } from './bff/session-cookie.ts'
import { STATIC_SECURITY_HEADERS, contentSecurityPolicy, newNonce } from './bff/security-headers.ts'
import type { PendingSignIn, SignInClient, SignedInSession } from './bff/sign-in.ts'
import { gatewayRoute, type GatewayCall } from './bff/gateway-routes.ts'
import type { AnonymousCredential } from './bff/anonymous-token.ts'
import { TrackingStepFailed, type ParcelTracker } from './bff/parcel-tracking.ts'
import { ACR_MFA } from '@mythical/stack'

/** Seconds a session lives without sign-in (the IdP's session is 8 h). */
export const SESSION_SECONDS = 8 * 3600
/** Seconds the browser has to come back from the IdP. */
const PENDING_SECONDS = 600
const PENDING_COOKIE = '__Host-mythical-signin'
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30_000

export interface WebServerDeps {
  readonly origin: string
  /** Origins of the IdPs a sign-out form may end up at (CSP `form-action`). */
  readonly identityProviders: readonly string[]
  readonly sessions: SessionStore
  readonly signIn: Readonly<Record<BrowserApp['clientId'], SignInClient>>
  readonly callGateway: GatewayCall
  /** The web's own client token, for the catalogue when nobody is signed in. */
  readonly anonymous: AnonymousCredential
  /** Parcel tracking at the shipping partner (TB10). */
  readonly trackParcels: ParcelTracker
  readonly audit: AuditLogger
  /** Next.js' request handler (pages); tests pass a stub. */
  readonly pages: (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

const traceIdOf = () => randomBytes(16).toString('hex')

/**
 * @example
 * https.createServer(tls, createWebHandler(deps)).listen(3000)
 */
export function createWebHandler(deps: WebServerDeps) {
  const apps = [STAFF_APP, SHOPPER_APP]
  const appOf = (path: string) =>
    path.startsWith('/staff') || path.startsWith('/api/staff') ? STAFF_APP : SHOPPER_APP

  const audit = (
    traceId: string,
    req: IncomingMessage,
    decision: 'allow' | 'deny',
    reason: string,
    extra: { status?: number; subject?: string; client?: string } = {},
    boundary: 'TB01' | 'TB10' | 'TB11' = 'TB01',
  ) =>
    deps.audit.decision({
      traceId,
      boundary,
      route: `${req.method} ${new URL(req.url ?? '/', deps.origin).pathname}`,
      decision,
      reason,
      ...extra,
    })

  async function beginSignIn(res: ServerResponse, app: BrowserApp, url: URL) {
    // Step-up (RFC 9470): the page asks for MFA by name; no acr value is taken from the browser.
    const stepUp = url.searchParams.get('stepUp') === 'mfa'
    const { location, pending } = await deps.signIn[app.clientId].begin(
      safeReturnPath(url.searchParams.get('returnTo'), app),
      stepUp ? { acrValues: ACR_MFA } : {},
    )
    const id = newSessionId()
    await deps.sessions.save(id, 'pending', pending, new Date(Date.now() + PENDING_SECONDS * 1000))
    redirect(res, location, [sessionCookie(PENDING_COOKIE, id, PENDING_SECONDS)])
  }

  async function completeSignIn(
    req: IncomingMessage,
    res: ServerResponse,
    app: BrowserApp,
    url: URL,
    traceId: string,
  ) {
    const pendingId = readCookie(req.headers.cookie, PENDING_COOKIE)
    const loaded = pendingId ? await deps.sessions.load(pendingId, 'pending') : 'unknown'
    const clearPending = sessionCookie(PENDING_COOKIE, '', 0)
    if (loaded === 'unknown' || loaded === 'expired') {
      audit(traceId, req, 'deny', WEB_REASONS.signInState, { status: 400, client: app.clientId })
      res.setHeader('set-cookie', clearPending)
      return sendProblem(
        res,
        new WebProblems.SignInFailed(
          'The sign-in expired or was already used; please sign in again.',
        ),
        traceId,
      )
    }
    const pending = loaded.data as PendingSignIn
    let session: SignedInSession
    try {
      session = await deps.signIn[app.clientId].complete(
        new URL(url.pathname + url.search, deps.origin),
        pending,
      )
    } catch {
      audit(traceId, req, 'deny', WEB_REASONS.signInRefused, { status: 400, client: app.clientId })
      res.setHeader('set-cookie', clearPending)
      return sendProblem(
        res,
        new WebProblems.SignInFailed('The identity provider did not confirm the sign-in.'),
        traceId,
      )
    }
    // A new id at every sign-in: a session id planted before sign-in is never promoted.
    const old = readCookie(req.headers.cookie, app.cookie)
    if (old) await deps.sessions.remove(old)
    const id = newSessionId()
    await deps.sessions.save(id, 'active', session, new Date(Date.now() + SESSION_SECONDS * 1000))
    audit(traceId, req, 'allow', WEB_REASONS.signedIn, {
      subject: session.sub,
      client: app.clientId,
    })
    redirect(res, safeReturnPath(pending.returnTo, app), [
      clearPending,
      sessionCookie(app.cookie, id, SESSION_SECONDS),
    ])
  }

  /** The signed-in session of `app`, refreshed when its access token is about to expire. */
  async function sessionOf(
    req: IncomingMessage,
    app: BrowserApp,
    traceId: string,
  ): Promise<{ id: string; session: SignedInSession }> {
    const id = readCookie(req.headers.cookie, app.cookie)
    if (!id && app === STAFF_APP && (await signedInShopper(req))) {
      // A shopper's session never opens the staff app: a clear refusal, not a sign-in prompt.
      audit(traceId, req, 'deny', WEB_REASONS.shopperAtStaff, { status: 403 }, 'TB11')
      throw new WebProblems.StaffOnly(
        'You are signed in as a shopper. This area is for sales associates only.',
      )
    }
    if (!id) {
      audit(traceId, req, 'deny', WEB_REASONS.sessionMissing, { status: 401 })
      throw new WebProblems.SessionRequired('Please sign in.')
    }
    const loaded = await deps.sessions.load(id, 'active')
    if (loaded === 'unknown' || loaded === 'expired') {
      audit(
        traceId,
        req,
        'deny',
        loaded === 'expired' ? WEB_REASONS.sessionExpired : WEB_REASONS.sessionUnknown,
        { status: 401 },
      )
      throw new WebProblems.SessionRequired('Your session has ended. Please sign in again.')
    }
    let session = loaded.data as SignedInSession
    if (session.accessTokenExpiresAt - REFRESH_MARGIN_MS < Date.now()) {
      try {
        session = await deps.signIn[app.clientId].refresh(session)
      } catch {
        await deps.sessions.remove(id)
        audit(traceId, req, 'deny', WEB_REASONS.sessionExpired, {
          status: 401,
          subject: session.sub,
        })
        throw new WebProblems.SessionRequired('Your session has ended. Please sign in again.')
      }
      await deps.sessions.save(id, 'active', session, new Date(Date.now() + SESSION_SECONDS * 1000))
    }
    return { id, session }
  }

  async function signedInShopper(req: IncomingMessage): Promise<boolean> {
    const id = readCookie(req.headers.cookie, SHOPPER_APP.cookie)
    return id !== undefined && typeof (await deps.sessions.load(id, 'active')) === 'object'
  }

  async function trackParcels(
    req: IncomingMessage,
    res: ServerResponse,
    orderId: string,
    traceId: string,
  ) {
    const { session } = await sessionOf(req, SHOPPER_APP, traceId)
    let answer
    try {
      answer = await deps.trackParcels(session, orderId, traceId)
    } catch (err) {
      const reason =
        err instanceof TrackingStepFailed ? err.reason : WEB_REASONS.trackingUnreachable
      audit(traceId, req, 'deny', reason, { status: 502, subject: session.sub }, 'TB10')
      throw new WebProblems.TrackingUnavailable(
        'Parcel tracking is not available right now. Please try again in a moment.',
      )
    }
    audit(
      traceId,
      req,
      answer.status < 400 ? 'allow' : 'deny',
      WEB_REASONS.tracked,
      { status: answer.status, subject: session.sub },
      'TB10',
    )
    return sendJson(res, answer.status, answer.body, answer.contentType)
  }

  async function signOut(
    req: IncomingMessage,
    res: ServerResponse,
    app: BrowserApp,
    traceId: string,
  ) {
    const id = readCookie(req.headers.cookie, app.cookie)
    const loaded = id ? await deps.sessions.load(id, 'active') : 'unknown'
    if (id) await deps.sessions.remove(id)
    const cleared = sessionCookie(app.cookie, '', 0)
    if (typeof loaded !== 'object') return redirect(res, '/', [cleared])
    const session = loaded.data as SignedInSession
    let location = '/'
    try {
      location = await deps.signIn[app.clientId].signOut(session, `${deps.origin}/`)
    } catch {
      // The local session is gone either way; the IdP's grant expires on its own.
      audit(traceId, req, 'deny', 'sign_out.revocation_failed', { subject: session.sub })
    }
    redirect(res, location, [cleared])
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, traceId: string) {
    const path = url.pathname
    const method = req.method ?? 'GET'
    if (path === '/healthz' || path === '/readyz') return sendJson(res, 200, { status: 'ok' })
    if (!isSameOriginRequest(method, req.headers, deps.origin)) {
      audit(traceId, req, 'deny', WEB_REASONS.crossSite, { status: 403 })
      throw new WebProblems.CrossSiteRequest('This request did not come from the shop.')
    }
    for (const app of apps) {
      const base = app === STAFF_APP ? '/staff/auth' : '/auth'
      if (path === `${base}/login` && method === 'GET') return beginSignIn(res, app, url)
      if (path === app.callbackPath && method === 'GET')
        return completeSignIn(req, res, app, url, traceId)
      if (path === `${base}/logout` && method === 'POST') return signOut(req, res, app, traceId)
    }
    if (path === '/api/session' || path === '/api/staff/session') {
      const app = appOf(path)
      try {
        const { session } = await sessionOf(req, app, traceId)
        return sendJson(res, 200, { signedIn: true, name: session.name })
      } catch (err) {
        return sendJson(res, 200, {
          signedIn: false,
          shopper: err instanceof WebProblems.StaffOnly,
        })
      }
    }
    const tracked = method === 'GET' ? TRACKING_PATH.exec(path)?.[1] : undefined
    if (tracked) return trackParcels(req, res, tracked, traceId)
    if (path.startsWith('/api/')) {
      const call = gatewayRoute(method, path, url.searchParams)
      if (!call) throw new WebProblems.NotFound('No such page.')
      // The catalogue is open to visitors: without a session, the web's own client token.
      if (call.path === CATALOGUE_PATH && !(await signedInShopper(req))) {
        const answer = await deps.callGateway(await anonymousCredential(), { ...call, traceId })
        return sendJson(res, answer.status, answer.body, answer.contentType)
      }
      const { session } = await sessionOf(req, appOf(path), traceId)
      const body = method === 'POST' ? await readJsonBody(req) : undefined
      // The page sends one key per checkout, so a retried click never charges twice.
      const offered = req.headers['idempotency-key']
      const idempotencyKey =
        method !== 'POST'
          ? undefined
          : typeof offered === 'string' && IDEMPOTENCY_KEY.test(offered)
            ? offered
            : randomUUID()
      const answer = await deps.callGateway(session, { ...call, body, idempotencyKey, traceId })
      return sendJson(res, answer.status, answer.body, answer.contentType)
    }
    return deps.pages(req, res)
  }

  async function anonymousCredential() {
    try {
      return await deps.anonymous()
    } catch {
      throw new WebProblems.UpstreamUnavailable('The shop is not reachable right now.')
    }
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    const traceId = traceIdOf()
    const nonce = newNonce()
    const csp = contentSecurityPolicy(nonce, deps.identityProviders)
    for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) res.setHeader(name, value)
    res.setHeader('content-security-policy', csp)
    // Next.js takes its script nonce from the request's CSP header.
    req.headers['content-security-policy'] = csp
    const url = new URL(req.url ?? '/', deps.origin)
    try {
      await route(req, res, url, traceId)
    } catch (err) {
      if (!res.headersSent) sendProblem(res, err, traceId)
      else res.destroy()
    }
  }
}

const MAX_BODY_BYTES = 16 * 1024
const CATALOGUE_PATH = '/shopping/products'
const TRACKING_PATH = /^\/api\/orders\/([A-Za-z0-9_-]{1,64})\/tracking$/
const IDEMPOTENCY_KEY = /^[A-Za-z0-9-]{16,64}$/

/** The request's JSON body (at most 16 KiB), never logged: it may hold a card number. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new WebProblems.BadRequest('Send JSON.')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new WebProblems.BadRequest('The request is too large.')
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    throw new WebProblems.BadRequest('The request is not valid JSON.')
  }
}
