/**
 * Orders placed the real way, through the gateway (contract: `POST /shopping/me/orders` with an
 * `Idempotency-Key`), with the test card of the public contract; and the trace of any gateway
 * answer (its `traceparent`), by which the services behind it are asked for their audit records.
 */
import { randomUUID } from 'node:crypto'
import type { EdgeClient, EdgeResponse } from './edge-client.ts'
import { callWithDpop } from './gateway-call.ts'
import type { ShopperSession } from './shopper.ts'

/** The test card of the public contract. */
export const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }

export interface OrderRequest {
  /** The `Idempotency-Key`; default a fresh one. */
  readonly key?: string
  readonly sku?: string
}

/** Places an order of one `sku` as `session`, paid with the test card. */
export function postOrder(
  edge: EdgeClient,
  session: ShopperSession,
  order: OrderRequest = {},
): Promise<EdgeResponse> {
  return callWithDpop(edge, {
    method: 'POST',
    path: '/shopping/me/orders',
    session,
    headers: {
      'content-type': 'application/json',
      'idempotency-key': order.key ?? `e2e-${randomUUID()}`,
    },
    body: JSON.stringify({
      items: [{ sku: order.sku ?? 'sku-trail-shoe', quantity: 1 }],
      card: TEST_CARD,
    }),
  })
}

/** The trace id the gateway names in its answer's `traceparent` ('' when there is none). */
export const answerTraceId = (response: Pick<EdgeResponse, 'headers'>): string =>
  /^00-([0-9a-f]{32})-/.exec(String(response.headers.traceparent ?? ''))?.[1] ?? ''
