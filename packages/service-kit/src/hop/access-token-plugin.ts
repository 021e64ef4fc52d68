/**
 * Inbound access control of an internal hop, declared per route and decided in one place:
 *
 * 1. mTLS: the peer's workload id must be a caller of this service in the call graph
 *    (`@mythical/stack` `callersOf`), narrowed per route with `access.callers`;
 * 2. `Authorization: Bearer <JWT>`: an RFC 9068 access token of the retail IdP, verified by the
 *    OAuth kit with audience = this service (keys cached, `jwks.unavailable` → 503: fail closed);
 *    a token whose audience is the caller itself was forwarded unchanged instead of exchanged;
 * 3. certificate binding (RFC 8705): `cnf.x5t#S256` is the TLS peer certificate;
 * 4. every scope the route declares; then the route's claim checks (role, MFA).
 *
 * Every request, allowed or refused, writes exactly ONE audit record: trace id, boundary (from
 * the call graph), caller, subject, `act` chain, client, audience, scope, reason. A route in the
 * plugin's scope without `config.access` fails at boot: deny by default.
 */
import { X509Certificate } from 'node:crypto'
import { TLSSocket } from 'node:tls'
import type { ActorChain, AuditLogger, AuditRecord } from '@mythical/audit'
import { assertCertificateBound, OAuthKitError, type AccessTokenVerifier } from '@mythical/oauth'
import { ClientCertificateRequired, PeerNotAllowed, ServiceUnavailable } from '@mythical/problem'
import type { ProblemError } from '@mythical/problem'
import {
  callBetween,
  callersOf,
  resourceUri,
  serviceByName,
  workloadId,
  type TrustBoundaryId,
} from '@mythical/stack'
import type { FastifyPluginCallback, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { recordVerifiedToken } from '@mythical/telemetry'
import { decodeJwt, type JWTPayload } from 'jose'
import {
  HOP_REASONS,
  InsufficientScope,
  TokenAudience,
  TokenForwarded,
  TokenInvalid,
  TokenMissing,
  TokenNotBound,
} from './access-problems.ts'

/** The verified caller of a request, as the access token and the TLS peer describe it. */
export interface Access {
  /** The user (`sub`) the call is made for; a client id for machine tokens. */
  readonly subject: string
  /** Manifest name of the calling workload (from its certificate). */
  readonly callerService: string
  /** OAuth client the token was issued to. */
  readonly clientId: string | undefined
  readonly scopes: readonly string[]
  /** The delegation chain (RFC 8693 `act`). */
  readonly act: ActorChain | undefined
  /** IdP groups of the user, e.g. `sales-associate`. */
  readonly groups: readonly string[]
  /** Authentication context class and methods (RFC 8176) of the user's sign-in. */
  readonly acr: string | undefined
  readonly amr: readonly string[]
  /** The verified token itself: the subject token for the next hop's exchange. Never log it. */
  readonly token: string
  readonly claims: JWTPayload
}

/** A claim check of a route refused: the problem answered and the audit reason. */
export interface AccessRefusal {
  readonly reason: string
  readonly problem: ProblemError
}

/** A claim check of a route: `undefined` lets the request through. */
export type AccessCheck = (access: Access) => AccessRefusal | undefined

/** What a route demands (`config.access`). */
export interface RouteAccess {
  /** Scopes the token must carry, all of them (least privilege: the route's own). */
  readonly scopes: readonly string[]
  /** Manifest names of the callers allowed for this route; default every caller in the graph. */
  readonly callers?: readonly string[]
  /** Further checks on the verified claims (role, MFA), in order. */
  readonly checks?: readonly AccessCheck[]
  /**
   * The boundary those checks guard when it is the user's rather than the calling hop's (e.g.
   * TB11, staff ↔ shop-assistant-api): their refusals are audited under it.
   */
  readonly checksBoundary?: TrustBoundaryId
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's access rule; routes under {@link accessTokenPlugin} must declare one. */
    access?: RouteAccess
  }
  interface FastifyRequest {
    /** Set by {@link accessTokenPlugin} once the request is allowed. */
    access: Access | undefined
  }
}

/** Options of {@link accessTokenPlugin}. */
export interface AccessTokenPluginOptions {
  /** Manifest name of this service: its resource URI is the required audience. */
  readonly service: string
  /** Verifies tokens of the retail IdP with audience = this service. */
  readonly verifier: AccessTokenVerifier
  readonly audit: AuditLogger
}

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/
const INVALID_TOKEN_CHALLENGE = { 'www-authenticate': 'Bearer error="invalid_token"' }

const certificateBySocket = new WeakMap<TLSSocket, X509Certificate | undefined>()

/** The TLS peer's certificate, parsed once per connection. */
function peerCertificate(request: FastifyRequest): X509Certificate | undefined {
  const socket = request.raw.socket
  if (!(socket instanceof TLSSocket)) return undefined
  if (!certificateBySocket.has(socket)) {
    const raw = socket.getPeerCertificate().raw as Buffer | undefined
    certificateBySocket.set(socket, raw ? new X509Certificate(raw) : undefined)
  }
  return certificateBySocket.get(socket)
}

const stringArray = (value: unknown): readonly string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []

/** Workload id → manifest name, for the callers this service knows. */
function callerTable(service: string): ReadonlyMap<string, string> {
  return new Map(
    callersOf(service).map((name) => [workloadId(serviceByName(name).domain, name), name]),
  )
}

function routeCallers(service: string, access: RouteAccess, route: string): ReadonlySet<string> {
  const graph = callersOf(service)
  const names = access.callers ?? graph
  if (names.length === 0) throw new TypeError(`route ${route}: no caller may call ${service}`)
  for (const name of names) {
    if (!graph.includes(name)) {
      throw new TypeError(
        `route ${route}: "${name}" is not a caller of ${service} in the call graph`,
      )
    }
  }
  return new Set(names)
}

function assertRouteAccess(value: unknown, route: string): RouteAccess {
  const access = value as RouteAccess | undefined
  if (access === undefined) {
    throw new TypeError(`route ${route}: "config.access" is required (deny by default)`)
  }
  if (
    !Array.isArray(access.scopes) ||
    !access.scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))
  ) {
    throw new TypeError(`route ${route}: "config.access.scopes" must be an array of scopes`)
  }
  return access
}

/** Refusal of the token itself (before any claim is trusted). */
function tokenRefusal(
  err: OAuthKitError,
  token: string,
  callerService: string,
): { reason: string; problem: ProblemError } {
  if (err.code === 'jwks.unavailable') {
    return { reason: err.code, problem: new ServiceUnavailable('issuer keys unavailable') }
  }
  if (err.code === 'cnf.missing' || err.code === 'cnf.certificate_mismatch') {
    return {
      reason: err.code,
      problem: new TokenNotBound(undefined, { headers: INVALID_TOKEN_CHALLENGE }),
    }
  }
  if (err.code === 'token.audience') {
    // The signature verified (jose checks claims after it), so `aud` is the issuer's word.
    const aud = decodeJwt(token).aud
    const audiences = typeof aud === 'string' ? [aud] : (aud ?? [])
    if (audiences.includes(resourceUri(serviceByName(callerService)))) {
      return {
        reason: HOP_REASONS.tokenForwarded,
        problem: new TokenForwarded(undefined, { headers: INVALID_TOKEN_CHALLENGE }),
      }
    }
    return {
      reason: err.code,
      problem: new TokenAudience(undefined, { headers: INVALID_TOKEN_CHALLENGE }),
    }
  }
  return {
    reason: err.code,
    problem: new TokenInvalid(undefined, { headers: INVALID_TOKEN_CHALLENGE }),
  }
}

function accessOf(payload: JWTPayload, token: string, callerService: string): Access {
  return {
    subject: payload.sub as string,
    callerService,
    clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    act: (payload.act as ActorChain | undefined) ?? undefined,
    groups: stringArray(payload.groups),
    acr: typeof payload.acr === 'string' ? payload.acr : undefined,
    amr: stringArray(payload.amr),
    token,
    claims: payload,
  }
}

const accessToken: FastifyPluginCallback<AccessTokenPluginOptions> = (app, opts, done) => {
  const { audit, verifier, service } = opts
  const audience = resourceUri(serviceByName(service))
  const callers = callerTable(service)
  app.decorateRequest('access', undefined)

  app.addHook('onRoute', (route) => {
    const name = `${String(route.method)} ${route.url}`
    const access = assertRouteAccess(route.config?.access, name)
    const allowed = routeCallers(service, access, name)
    // Where the caller is unknown, the boundary this route guards is its first legitimate hop's.
    const routeBoundary = callBetween([...allowed][0] ?? '', service)?.boundary

    const check: onRequestHookHandler = async (request) => {
      const callerService = request.peerId === undefined ? undefined : callers.get(request.peerId)
      const boundary: TrustBoundaryId | undefined =
        (callerService && callBetween(callerService, service)?.boundary) || routeBoundary
      const record: AuditRecord = {
        traceId: request.traceContext.traceId,
        route: name,
        audience,
        decision: 'deny',
        reason: '',
        ...(boundary ? { boundary } : {}),
        ...(request.peerId ? { caller: request.peerId } : {}),
      }
      const refuse = (
        reason: string,
        problem: ProblemError,
        claims?: Access,
        decidedAt: TrustBoundaryId | undefined = boundary,
      ) => {
        audit.decision({
          ...record,
          ...(decidedAt ? { boundary: decidedAt } : {}),
          ...(claims ? claimFields(claims) : {}),
          reason,
          status: problem.status,
        })
        return problem
      }

      if (request.peerId === undefined) {
        throw refuse(HOP_REASONS.noCertificate, new ClientCertificateRequired())
      }
      if (callerService === undefined || !allowed.has(callerService)) {
        throw refuse(
          HOP_REASONS.peerNotAllowed,
          new PeerNotAllowed(`workload "${request.peerId}" may not call ${name}`),
        )
      }
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1]
      if (token === undefined) {
        throw refuse(
          HOP_REASONS.tokenMissing,
          new TokenMissing(undefined, { headers: { 'www-authenticate': 'Bearer' } }),
        )
      }
      let payload: JWTPayload
      try {
        ;({ payload } = await verifier.verify(token))
        assertCertificateBound(payload as { cnf?: unknown }, peerCertificate(request))
      } catch (err) {
        if (!(err instanceof OAuthKitError)) throw err
        const refusal = tokenRefusal(err, token, callerService)
        throw refuse(refusal.reason, refusal.problem)
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw refuse(
          HOP_REASONS.subjectMissing,
          new TokenInvalid(undefined, { headers: INVALID_TOKEN_CHALLENGE }),
        )
      }
      const granted = accessOf(payload, token, callerService)
      const missing = access.scopes.filter((s) => !granted.scopes.includes(s))
      if (missing.length > 0) {
        const scope = access.scopes.join(' ')
        throw refuse(
          HOP_REASONS.scopeInsufficient,
          new InsufficientScope(`requires scope "${scope}"`, {
            headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
          }),
          granted,
        )
      }
      for (const claimCheck of access.checks ?? []) {
        const refusal = claimCheck(granted)
        if (refusal) throw refuse(refusal.reason, refusal.problem, granted, access.checksBoundary)
      }
      request.access = granted
      recordVerifiedToken(request.hopSpan, payload)
      audit.decision({
        ...record,
        ...claimFields(granted),
        decision: 'allow',
        reason: HOP_REASONS.allowed,
      })
    }
    // Route-level hooks run after the global ones, so `peerId` and `traceContext` are set.
    route.onRequest = [...[route.onRequest ?? []].flat(), check]
  })
  done()
}

/** The audit fields a verified token contributes. */
function claimFields(access: Access): Partial<AuditRecord> {
  return {
    subject: access.subject,
    ...(access.clientId ? { client: access.clientId } : {}),
    ...(access.act ? { act: access.act } : {}),
    ...(access.scopes.length > 0 ? { scope: access.scopes.join(' ') } : {}),
    ...(typeof access.claims.jti === 'string' ? { tokenId: access.claims.jti } : {}),
  }
}

/**
 * Fastify plugin: per-route `config.access` (scopes, callers, claim checks) enforced on every
 * route registered after it in its scope, with `request.access` for the handlers.
 *
 * @example
 * ```ts
 * await app.register(accessTokenPlugin, { service: 'orders-api', verifier, audit })
 * app.get('/orders', { config: { access: { scopes: ['orders:read'] } } }, async (request) =>
 *   listOrders(request.access!.subject))
 * ```
 */
export const accessTokenPlugin = fp(accessToken, {
  fastify: '5.x',
  name: '@mythical/service-kit/access-token',
  dependencies: ['@mythical/service-kit/traceparent', '@mythical/service-kit/peer-identity'],
})
