/**
 * Who is calling, and may they call this route:
 * - `request.peerId`: SPIFFE id of the verified mTLS peer, `undefined` without one
 * - routes declare `config: { allowedCallers: [...] }`; the list is validated when the route is
 *   added (a typo fails at boot, not as a silent deny or allow)
 * - a caller outside the list gets 403 `ZT_ERR_PEER_NOT_ALLOWED`; no client certificate at all
 *   (edge listener) gets 401 `ZT_ERR_MTLS_REQUIRED`; every decision is audited
 */
import type { AuditLogger } from '@mythical/audit'
import { parseSpiffeId, peerWorkloadId } from '@mythical/mtls'
import { ClientCertificateRequired, PeerNotAllowed } from '@mythical/problem'
import type { FastifyPluginCallback, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { TLSSocket } from 'node:tls'

declare module 'fastify' {
  interface FastifyRequest {
    /** SPIFFE id of the mTLS peer, `undefined` when the connection carries no verified one. */
    peerId: string | undefined
  }
  interface FastifyContextConfig {
    /** SPIFFE ids that may call this route; omit to accept any peer the TLS handshake accepted. */
    allowedCallers?: readonly string[]
  }
}

/** Audit reasons of the allow-list decisions. */
export const PEER_AUDIT_REASONS = {
  allowed: 'mtls.peer_allowed',
  notAllowed: 'mtls.peer_not_allowed',
  noCertificate: 'mtls.client_certificate_required',
} as const

/** Options of {@link peerIdentityPlugin}. */
export interface PeerIdentityOptions {
  audit: AuditLogger
}

function assertAllowedCallers(value: unknown, route: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`route ${route}: "config.allowedCallers" must be a non-empty array`)
  }
  for (const id of value) {
    try {
      parseSpiffeId(id as string)
    } catch (cause) {
      throw new TypeError(`route ${route}: "config.allowedCallers" has an invalid SPIFFE id`, {
        cause,
      })
    }
  }
  return value as readonly string[]
}

/** One parse per connection: every request on a keep-alive socket has the same peer. */
const peerBySocket = new WeakMap<TLSSocket, string | undefined>()

function peerOf(socket: unknown): string | undefined {
  if (!(socket instanceof TLSSocket)) return undefined
  if (!peerBySocket.has(socket)) peerBySocket.set(socket, peerWorkloadId(socket))
  return peerBySocket.get(socket)
}

const peerIdentity: FastifyPluginCallback<PeerIdentityOptions> = (app, opts, done) => {
  const { audit } = opts
  app.decorateRequest('peerId', undefined)
  app.addHook('onRequest', (request, _reply, next) => {
    request.peerId = peerOf(request.raw.socket)
    next()
  })

  app.addHook('onRoute', (route) => {
    if (route.config?.allowedCallers === undefined) return
    const name = `${String(route.method)} ${route.url}`
    const allowed = new Set(assertAllowedCallers(route.config.allowedCallers, name))
    const check: onRequestHookHandler = (request, _reply, next) => {
      const base = { traceId: request.traceContext.traceId, route: name }
      if (request.peerId === undefined) {
        audit.decision({ ...base, decision: 'deny', reason: PEER_AUDIT_REASONS.noCertificate })
        next(new ClientCertificateRequired(`${name} requires a workload client certificate`))
        return
      }
      if (!allowed.has(request.peerId)) {
        audit.decision({
          ...base,
          caller: request.peerId,
          decision: 'deny',
          reason: PEER_AUDIT_REASONS.notAllowed,
        })
        next(new PeerNotAllowed(`workload "${request.peerId}" may not call ${name}`))
        return
      }
      audit.decision({
        ...base,
        caller: request.peerId,
        decision: 'allow',
        reason: PEER_AUDIT_REASONS.allowed,
      })
      next()
    }
    // Route-level hooks run after the global ones above, so `peerId` is already set.
    route.onRequest = [...[route.onRequest ?? []].flat(), check]
  })
  done()
}

/** Fastify plugin: `request.peerId` and per-route `allowedCallers`. */
export const peerIdentityPlugin = fp(peerIdentity, {
  fastify: '5.x',
  name: '@mythical/service-kit/peer-identity',
  dependencies: ['@mythical/service-kit/traceparent'],
})
