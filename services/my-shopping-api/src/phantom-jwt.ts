/**
 * The gateway's phantom JWT, checked on every route (TB04): a JWT access token (RFC 9068) from
 * the retail IdP whose audience is this API, verified by the OAuth kit (pinned algorithms, keys
 * from the IdP only, never from the token's header), and certificate-bound (RFC 8705) to the
 * client certificate of this very connection — a token lifted from the gateway is useless
 * anywhere else. Every decision is audited.
 */
import { X509Certificate } from 'node:crypto'
import { TLSSocket } from 'node:tls'
import type { ActorChain, AuditLogger } from '@mythical/audit'
import { assertCertificateBound, OAuthKitError, type AccessTokenVerifier } from '@mythical/oauth'
import { defineProblem } from '@mythical/problem'
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'

/** 401: no valid phantom JWT on the request. */
export const PhantomTokenInvalid = defineProblem(
  'ZT_ERR_TOKEN_INVALID',
  401,
  'Invalid access token',
)

/** The caller as the phantom JWT describes it. */
export interface Access {
  readonly subject: string
  readonly scopes: readonly string[]
  readonly act?: ActorChain
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the phantom-JWT check on every route of this API. */
    access: Access | undefined
  }
}

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/

function peerCertificate(request: FastifyRequest): X509Certificate | undefined {
  const socket = request.raw.socket
  if (!(socket instanceof TLSSocket)) return undefined
  const raw = socket.getPeerCertificate().raw as Buffer | undefined
  return raw ? new X509Certificate(raw) : undefined
}

/**
 * A `preHandler` hook that verifies the phantom JWT and sets `request.access`.
 *
 * @example
 * ```ts
 * app.decorateRequest('access', undefined)
 * app.addHook('preHandler', requirePhantomJwt(verifier, audit))
 * ```
 */
export function requirePhantomJwt(
  verifier: AccessTokenVerifier,
  audit: AuditLogger,
): preHandlerAsyncHookHandler {
  return async (request) => {
    const record = {
      traceId: request.traceContext.traceId,
      boundary: 'TB04' as const,
      route: `${request.method} ${request.routeOptions.url ?? ''}`,
    }
    const refuse = (reason: string) => {
      audit.decision({ ...record, decision: 'deny', reason })
      return new PhantomTokenInvalid()
    }
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1]
    if (token === undefined) throw refuse('token.missing')
    let payload
    try {
      ;({ payload } = await verifier.verify(token))
      assertCertificateBound(payload as { cnf?: unknown }, peerCertificate(request))
    } catch (err) {
      if (err instanceof OAuthKitError) throw refuse(err.code)
      throw err
    }
    if (typeof payload.sub !== 'string') throw refuse('token.claims')
    const act = payload.act as ActorChain | undefined
    request.access = {
      subject: payload.sub,
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
      ...(act ? { act } : {}),
    }
    audit.decision({
      ...record,
      decision: 'allow',
      reason: 'token.accepted',
      subject: payload.sub,
      ...(request.peerId ? { caller: request.peerId } : {}),
      ...(act ? { act } : {}),
    })
  }
}
