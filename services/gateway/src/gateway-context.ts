/**
 * What the policy checks share: the long-lived gateway state (policies, counters, the OAuth kit)
 * and the per-request context each check reads and fills in, and the outcome a check returns.
 *
 * @module
 */
import type { AuditLogger } from '@mythical/audit'
import type { ProblemError } from '@mythical/problem'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AddressList } from './address-list.ts'
import type { FeedbackLoop } from './feedback-loop.ts'
import type { ApiPolicy, PolicyFile } from './policy-file.ts'
import type { PhantomTokenKit, VerifiedAccess } from './phantom-token-kit.ts'
import type { Clock, WindowCounter } from './window-counter.ts'

/** Built once at start-up from the policy file. */
export interface GatewayState {
  readonly policies: PolicyFile
  readonly apis: readonly ApiPolicy[]
  readonly trustedProxies: AddressList
  /** Per API name: its allow and deny lists. */
  readonly addressLists: ReadonlyMap<string, { allow: AddressList; deny: AddressList }>
  /** Per API name: its spike counter. */
  readonly spikeCounters: ReadonlyMap<string, WindowCounter>
  /** Per SLA tier name: its rate counter. */
  readonly rateCounters: ReadonlyMap<string, WindowCounter>
  readonly feedback: FeedbackLoop
  readonly tokens: PhantomTokenKit
  /** Public origin clients address (`htu` of their DPoP proofs), e.g. `https://localhost:8443`. */
  readonly publicOrigin: string
  /** The gateway's resource indicator: the audience its opaque tokens must have. */
  readonly resource: string
  /** Per upstream service name: the resource indicator its exchanged tokens are for. */
  readonly upstreamResources: ReadonlyMap<string, string>
  readonly audit: AuditLogger
  readonly now: Clock
}

/** One request on its way through the pipeline. */
export interface GatewayContext {
  readonly request: FastifyRequest
  readonly reply: FastifyReply
  readonly state: GatewayState
  /** The client's address (socket peer, or from trusted proxies' `X-Forwarded-For`). */
  address: string
  api?: ApiPolicy
  /** The opaque access token from `Authorization: DPoP` (its proof verified). */
  presentedToken?: string
  /** Thumbprint of a verified DPoP proof key: the feedback loop may block it. */
  proofKey?: string
  access?: VerifiedAccess
  /** The JSON body, read within the API's limits. */
  body?: Buffer
  /** The audience-restricted JWT forwarded instead of the opaque token. */
  internalToken?: string
  /** Spoofable identity headers the client sent (names only), removed before forwarding. */
  strippedHeaders: string[]
  /** Headers every answer carries (CORS, rate limit), refusals included. */
  readonly responseHeaders: Record<string, string>
}

/** A check refuses the request. */
export interface Denial {
  readonly decision: 'deny'
  readonly reason: string
  readonly problem: ProblemError
}

/** A check answers the request itself (a CORS preflight). */
export interface Answer {
  readonly decision: 'answer'
  readonly reason: string
  readonly status: number
}

/** What a check returns: nothing to continue, a denial or an answer to stop. */
export type Outcome = Denial | Answer | undefined

/** One policy check: reads the context, may fill it in, decides. */
export type Check = (ctx: GatewayContext) => Outcome | Promise<Outcome>

/** A denial with its audit reason. */
export const deny = (reason: string, problem: ProblemError): Denial => ({
  decision: 'deny',
  reason,
  problem,
})
