/**
 * The call graph of SCENARIO.md: every hop one workload makes to another, in one table. Every
 * consumer reads it from here, so they cannot disagree:
 *
 * - the runner's start order and each service's `<NAME>_URL` variables (`dependsOn`);
 * - the mTLS caller allow-list of a callee (`callersOf`);
 * - the token audiences a caller asks for and the IdP's audience / token-exchange policy
 *   (`tokenAudiences`, `isAllowedTarget`).
 *
 * Anything not listed is not a hop of the stack and is refused.
 */
import type { TrustBoundaryId } from './trust-boundaries.ts'

/** What the caller presents to the callee (besides TLS). */
export type CallCredential =
  /** The callee is the caller's authorization server: token endpoint, introspection, JWKS. */
  | 'oauth-client'
  /** A retail access token whose audience is the callee, issued to one of the caller's clients. */
  | 'access-token'
  /** An access token of the shipping partner's IdP (federation: never a retail token). */
  | 'partner-token'
  /** Public metadata and keys only: the federation trust anchor. */
  | 'discovery'
  /** mTLS with a certificate of the callee's CA and a signed-then-encrypted body (JWS + JWE). */
  | 'signed-body'
  /** mTLS alone: the workload identity in the client certificate is the credential. */
  | 'workload-identity'

export interface Call {
  /** Calling service (manifest name). */
  readonly caller: string
  /** Called service (manifest name). */
  readonly callee: string
  readonly credential: CallCredential
  /**
   * For `access-token` calls: the caller's OAuth client ids that may obtain a token for the
   * callee. Defaults to the caller's own name (every workload is its own client).
   */
  readonly clients?: readonly string[]
  /** The SCENARIO.md trust boundary the call crosses, where the table names one. */
  readonly boundary?: TrustBoundaryId
  /**
   * The caller neither waits for the callee to start nor fails without it: not one of its start
   * dependencies (the IdP's span export, since trace-store itself needs the IdP to start).
   */
  readonly background?: true
}

/** Every hop, grouped by caller, in the order the caller needs its callees to be up. */
export const CALL_GRAPH: readonly Call[] = [
  // --- web BFF: signs users in, calls the gateway, federates to the shipping partner
  { caller: 'web', callee: 'idp', credential: 'oauth-client', boundary: 'TB02' },
  {
    caller: 'web',
    callee: 'gateway',
    credential: 'access-token',
    clients: ['web', 'web-staff'],
    boundary: 'TB03',
  },
  // Only the shopper client federates: Sam tracks no parcels.
  {
    caller: 'web',
    callee: 'partner-idp',
    credential: 'access-token',
    clients: ['web'],
    boundary: 'TB10',
  },
  { caller: 'web', callee: 'order-tracking-api', credential: 'partner-token', boundary: 'TB10' },
  // --- gateway: introspects the opaque token, forwards a phantom JWT to the experience APIs
  { caller: 'gateway', callee: 'idp', credential: 'oauth-client', boundary: 'TB03' },
  { caller: 'gateway', callee: 'my-shopping-api', credential: 'access-token', boundary: 'TB04' },
  { caller: 'gateway', callee: 'shop-assistant-api', credential: 'access-token', boundary: 'TB04' },
  // --- experience APIs: token exchange on behalf of the user
  { caller: 'my-shopping-api', callee: 'idp', credential: 'oauth-client' },
  {
    caller: 'my-shopping-api',
    callee: 'order-fulfillment-api',
    credential: 'access-token',
    boundary: 'TB05',
  },
  {
    caller: 'my-shopping-api',
    callee: 'customers-api',
    credential: 'access-token',
    boundary: 'TB06',
  },
  {
    caller: 'my-shopping-api',
    callee: 'recommendations-api',
    credential: 'access-token',
    boundary: 'TB06',
  },
  { caller: 'shop-assistant-api', callee: 'idp', credential: 'oauth-client' },
  {
    caller: 'shop-assistant-api',
    callee: 'customers-api',
    credential: 'access-token',
    boundary: 'TB06',
  },
  // --- process API: writes orders, tokenizes the card. Loyalty points reach customers-api as
  // the `order.placed` event (flow 6), never as a call, so there is no edge to customers-api.
  { caller: 'order-fulfillment-api', callee: 'idp', credential: 'oauth-client' },
  {
    caller: 'order-fulfillment-api',
    callee: 'orders-api',
    credential: 'access-token',
    boundary: 'TB06',
  },
  {
    caller: 'order-fulfillment-api',
    callee: 'tokenization-api',
    credential: 'signed-body',
    boundary: 'TB07',
  },
  // --- system APIs: verify JWT access tokens against the IdP's keys
  { caller: 'orders-api', callee: 'idp', credential: 'oauth-client' },
  // Settles with the card token: the vault's only detokenization client.
  {
    caller: 'payments-api',
    callee: 'tokenization-api',
    credential: 'signed-body',
    boundary: 'TB07',
  },
  // customers-api also holds a client-credentials token for the IdP itself: it creates the
  // identity of a customer a sales associate registers (POST /accounts, accounts:register).
  { caller: 'customers-api', callee: 'idp', credential: 'access-token' },
  { caller: 'payments-api', callee: 'idp', credential: 'oauth-client' },
  { caller: 'recommendations-api', callee: 'idp', credential: 'oauth-client' },
  // --- the trust trace: retail workloads export their spans (OTLP/HTTP, certificate only); the
  // shopper's experience API reads her own traces on her behalf. Vault and partner export nothing.
  { caller: 'trace-store', callee: 'idp', credential: 'oauth-client' },
  // The IdP's token endpoint is a hop of an order too; its spans are dropped until the store is up.
  { caller: 'idp', callee: 'trace-store', credential: 'workload-identity', background: true },
  ...[
    'gateway',
    'shop-assistant-api',
    'order-fulfillment-api',
    'orders-api',
    'customers-api',
    'payments-api',
    'recommendations-api',
  ].map((caller): Call => ({ caller, callee: 'trace-store', credential: 'workload-identity' })),
  { caller: 'my-shopping-api', callee: 'trace-store', credential: 'access-token' },
  // --- shipping partner
  { caller: 'partner-idp', callee: 'idp', credential: 'discovery', boundary: 'TB10' },
  { caller: 'order-tracking-api', callee: 'partner-idp', credential: 'oauth-client' },
  { caller: 'order-tracking-api', callee: 'shipping-api', credential: 'workload-identity' },
]

/**
 * Services `caller` calls, in table order.
 *
 * @example calleesOf('order-fulfillment-api') // ['idp', 'orders-api', 'tokenization-api']
 */
export const calleesOf = (caller: string): readonly string[] =>
  CALL_GRAPH.filter((c) => c.caller === caller).map((c) => c.callee)

/** The workload that stores the retail trust trace. */
export const TRACE_STORE = 'trace-store'

/**
 * Whether `workload` exports its own spans to the trace store (its SERVER span of every request
 * it answers): a caller then needs no CLIENT span of the call to show the hop.
 *
 * @example exportsSpans('orders-api') // true; exportsSpans('tokenization-api') // false
 */
export const exportsSpans = (workload: string): boolean => calleesOf(workload).includes(TRACE_STORE)

/**
 * Services `caller` needs up before it starts: its callees but the `background` ones (the
 * runner's start order and compose's `depends_on`).
 *
 * @example startDependenciesOf('idp') // []
 */
export const startDependenciesOf = (caller: string): readonly string[] =>
  CALL_GRAPH.filter((c) => c.caller === caller && !c.background).map((c) => c.callee)

/**
 * Services that call `callee`: the allow-list of workload identities its mTLS listener accepts.
 *
 * @example callersOf('orders-api') // ['order-fulfillment-api']
 */
export const callersOf = (callee: string): readonly string[] =>
  CALL_GRAPH.filter((c) => c.callee === callee).map((c) => c.caller)

/** OAuth client ids allowed to obtain a retail access token for the call. */
const clientsOf = (call: Call): readonly string[] => call.clients ?? [call.caller]

/**
 * Whether OAuth client `clientId` may obtain a retail access token (by any grant) whose audience
 * is `target` (a manifest service name): the IdP's audience and token-exchange policy.
 *
 * @example
 * ```ts
 * isAllowedTarget('gateway', 'my-shopping-api') // true
 * isAllowedTarget('gateway', 'orders-api')      // false: not an edge of the call graph
 * ```
 */
export const isAllowedTarget = (clientId: string, target: string): boolean =>
  CALL_GRAPH.some(
    (c) =>
      c.credential === 'access-token' && c.callee === target && clientsOf(c).includes(clientId),
  )

/**
 * Services OAuth client `clientId` may obtain retail access tokens for.
 *
 * @example tokenAudiences('web') // ['gateway', 'partner-idp']
 */
export const tokenAudiences = (clientId: string): readonly string[] =>
  CALL_GRAPH.filter((c) => c.credential === 'access-token' && clientsOf(c).includes(clientId)).map(
    (c) => c.callee,
  )

/**
 * The hop from `caller` to `callee`, if the graph has it.
 *
 * @example callBetween('web', 'gateway')?.boundary // 'TB03'
 */
export const callBetween = (caller: string, callee: string): Call | undefined =>
  CALL_GRAPH.find((c) => c.caller === caller && c.callee === callee)
