/**
 * The legitimate path of `order.placed` through the running stack: an order placed through the
 * gateway (contract: POST /shopping/me/orders), then what each subscriber audited for that
 * order's trace — its TB09 decision on the event the relay published.
 */
import { randomUUID } from 'node:crypto'
import { allAuditRecords, type LoggedDecision } from './audit-log.ts'
import type { EdgeClient } from './edge-client.ts'
import { expect } from './fixtures.ts'
import { callWithDpop } from './gateway-call.ts'
import type { ShopperSession } from './shopper.ts'

const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }
/** The relay polls every 2 s; each subscriber decides right after delivery. */
const CONSUMED_TIMEOUT_MS = 20_000

export interface PlacedOrder {
  readonly id: string
  readonly traceId: string
}

export async function placeOrder(edge: EdgeClient, katie: ShopperSession): Promise<PlacedOrder> {
  const placed = await callWithDpop(edge, {
    method: 'POST',
    path: '/shopping/me/orders',
    session: katie,
    headers: { 'content-type': 'application/json', 'idempotency-key': `events-${randomUUID()}` },
    body: JSON.stringify({ items: [{ sku: 'sku-trail-shoe', quantity: 1 }], card: TEST_CARD }),
  })
  expect(placed.status, placed.text).toBe(201)
  return JSON.parse(placed.text) as PlacedOrder
}

/** The TB09 record `service` wrote for the event of this trace, waiting until it is there. */
export async function consumedEvent(service: string, traceId: string): Promise<LoggedDecision> {
  const ofTrace = () =>
    allAuditRecords(service).filter((r) => r.traceId === traceId && r.boundary === 'TB09')
  await expect.poll(() => ofTrace().length, { timeout: CONSUMED_TIMEOUT_MS }).toBeGreaterThan(0)
  return ofTrace()[0] as LoggedDecision
}

/** The records `service` wrote about the message with this id (`tokenId`), waiting for `count`. */
export async function decisionsOnMessage(
  service: string,
  messageId: string,
  count = 1,
): Promise<LoggedDecision[]> {
  const about = () => allAuditRecords(service).filter((r) => r.tokenId === messageId)
  await expect
    .poll(() => about().length, { timeout: CONSUMED_TIMEOUT_MS })
    .toBeGreaterThanOrEqual(count)
  return about()
}
