/**
 * One vault route, decided in one place with ONE audit record per request (trace id, boundary,
 * caller, route, request `jti`, reason, status): the mTLS peer must be a registered client allowed
 * on this route; the body an `application/jose` nested JWT (see `sealed-request.ts`) from that
 * very peer; its `jti` used for the first time (kept in the vault's database, so a replay is
 * refused after a restart too); then the route's handler answers with a signed JWT.
 */
import type { AuditLogger, AuditRecord } from '@mythical/audit'
import { ClientCertificateRequired, PeerNotAllowed, type ProblemError } from '@mythical/problem'
import { PEER_AUDIT_REASONS } from '@mythical/service-kit'
import { callBetween } from '@mythical/stack'
import express, { type RequestHandler } from 'express'
import type { RegisteredClient } from './registered-clients.ts'
import { openSealedRequest, type OpenedRequest } from './sealed-request.ts'
import { ANSWER_CONTENT_TYPE } from './vault-answer.ts'
import type { VaultKeys } from './vault-keys.ts'
import {
  VAULT_REASONS,
  VaultBodyNotJose,
  VaultRefusal,
  VaultRequestReplayed,
} from './vault-problems.ts'
import type { VaultStore } from './vault-store.ts'

/** Manifest name of the vault. */
export const VAULT_SERVICE = 'tokenization-api'

/** Largest request body: a card in a nested JWT is well under 2 KiB. */
const MAX_BODY = '8kb'

/** Everything a vault route needs. */
export interface Vault {
  readonly audit: AuditLogger
  readonly keys: VaultKeys
  readonly clients: ReadonlyMap<string, RegisteredClient>
  readonly store: VaultStore
  /** The vault's own workload id: the `aud` of requests, the `iss` of answers. */
  readonly vaultId: string
}

/** A handler's answer: status and the signed (or signed and encrypted) JWT. */
export interface SealedAnswer {
  readonly status: number
  readonly jwt: string
}

/** Options of {@link sealedRoute}. */
export interface SealedRouteOptions {
  /** `METHOD /path`, for the audit. */
  readonly route: string
  /** Manifest names of the registered clients allowed on this route. */
  readonly callers: readonly string[]
  handle(request: OpenedRequest, client: RegisteredClient): Promise<SealedAnswer>
}

/**
 * The body parser and the decision middleware of one route.
 *
 * @example
 * ```ts
 * app.post('/tokens', ...sealedRoute(vault, { route: 'POST /tokens',
 *   callers: ['order-fulfillment-api'], handle: tokenize }))
 * ```
 */
export function sealedRoute(vault: Vault, options: SealedRouteOptions): RequestHandler[] {
  const known = new Set([...vault.clients.values()].map((c) => c.name))
  for (const name of options.callers) {
    if (!known.has(name)) throw new TypeError(`${options.route}: "${name}" is no registered client`)
  }
  const allowed = new Set(options.callers)
  const boundaryOf = (name: string) => callBetween(name, VAULT_SERVICE)?.boundary

  const decide: RequestHandler = async (req, res) => {
    const client = req.peerId === undefined ? undefined : vault.clients.get(req.peerId)
    const boundary = boundaryOf(client?.name ?? options.callers[0] ?? '')
    const record: AuditRecord = {
      traceId: req.traceContext.traceId,
      route: options.route,
      audience: vault.vaultId,
      decision: 'deny',
      reason: '',
      ...(boundary ? { boundary } : {}),
      ...(req.peerId ? { caller: req.peerId } : {}),
    }
    const refuse = (reason: string, problem: ProblemError, requestId?: string): ProblemError => {
      vault.audit.decision({
        ...record,
        reason,
        status: problem.status,
        ...(requestId ? { tokenId: requestId } : {}),
      })
      return problem
    }

    if (req.peerId === undefined) {
      throw refuse(PEER_AUDIT_REASONS.noCertificate, new ClientCertificateRequired())
    }
    if (client === undefined || !allowed.has(client.name)) {
      throw refuse(
        PEER_AUDIT_REASONS.notAllowed,
        new PeerNotAllowed(`workload "${req.peerId}" may not call ${options.route}`),
      )
    }
    if (typeof req.body !== 'string') {
      throw refuse(VAULT_REASONS.notJose, new VaultBodyNotJose())
    }
    let answer: SealedAnswer
    let requestId: string | undefined
    try {
      const opened = await openSealedRequest(req.body, { ...vault, client })
      requestId = opened.requestId
      const use = await vault.store.consumeRequestId(
        client.peerId,
        opened.requestId,
        opened.expiresAt,
      )
      if (use === 'replayed') {
        throw new VaultRefusal(VAULT_REASONS.replayed, VaultRequestReplayed, opened.requestId)
      }
      answer = await options.handle(opened, client)
    } catch (err) {
      if (err instanceof VaultRefusal) throw refuse(err.reason, err.problem, err.requestId)
      throw err
    }
    vault.audit.decision({
      ...record,
      decision: 'allow',
      reason: VAULT_REASONS.allowed,
      status: answer.status,
      tokenId: requestId,
    })
    res.status(answer.status).type(ANSWER_CONTENT_TYPE).send(answer.jwt)
  }
  return [express.text({ type: 'application/jose', limit: MAX_BODY }), decide]
}
