/**
 * Fail closed, through the running stack: a dependency that cannot be reached turns into a clear
 * refusal (503, `ZT_ERR_DEPENDENCY_UNAVAILABLE`), never into a half-done order or a bypass; and the
 * client's retry under the same `Idempotency-Key`, once the dependency is back, places exactly one
 * order with exactly one `order.placed` event (the event is what charges the card). The services
 * are really stopped (`support/service-outage.ts`) and started again with `stack:up`.
 *
 * The IdP down with a token the gateway has not seen is TB03's case (`introspection.unavailable`).
 * Here the token is known to the gateway (its introspection and exchange are cached), so the
 * request gets past the edge and the chain fails closed at the next hop that needs the IdP: the
 * experience API's exchange for the process API. The internal hops' own JWKS are fetched once
 * and cached, so an IdP outage does not reach their signature checks; a JWKS that cannot be
 * fetched at all (`jwks.unavailable` → 503) is proven where it can happen, in the OAuth kit's and
 * the hop kit's tests.
 */
import { randomUUID } from 'node:crypto'
import { auditRecordsOf } from '../support/audit-log.ts'
import type { EdgeClient } from '../support/edge-client.ts'
import { callWithDpop } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import { fulfillmentRowsOf } from '../support/fulfillment-store.ts'
import { postOrder } from '../support/orders.ts'
import { withServiceStopped } from '../support/service-outage.ts'
import { signInShopper, type ShopperSession } from '../support/shopper.ts'

const ORDERS = '/shopping/me/orders'

const place = (edge: EdgeClient, session: ShopperSession, key: string) =>
  postOrder(edge, session, { key })

async function orderIdsOf(edge: EdgeClient, session: ShopperSession): Promise<string[]> {
  const response = await callWithDpop(edge, { path: ORDERS, session })
  expect(response.status, response.text).toBe(200)
  return response.json<{ orders: { id: string }[] }>().orders.map((o) => o.id)
}

/** The outage's answer: 503 with the stable code, its trace, and no card number. */
function expectUnavailable(response: { status: number; text: string; headers: object }) {
  expect(response.status, response.text).toBe(503)
  const problem = JSON.parse(response.text) as { code: string; traceId: string }
  expect(problem.code).toBe('ZT_ERR_DEPENDENCY_UNAVAILABLE')
  expect(response.text).not.toMatch(/4111/)
  return problem
}

/** The retry after the outage: one order, once, however often the client repeats it. */
async function expectExactlyOneOrder(
  edge: EdgeClient,
  session: ShopperSession,
  key: string,
  before: string[],
) {
  const retry = await place(edge, session, key)
  expect(retry.status, retry.text).toBe(201)
  const orderId = retry.json<{ id: string }>().id
  const again = await place(edge, session, key)
  expect([200, 201], again.text).toContain(again.status)
  expect(again.json<{ id: string }>().id).toBe(orderId)
  const after = await orderIdsOf(edge, session)
  expect(after.filter((id) => !before.includes(id))).toEqual([orderId])
  expect(await fulfillmentRowsOf(orderId)).toEqual({ placedOrders: 1, outboxEvents: 1 })
}

test.describe('fail closed', () => {
  test('the card vault down: 503, no order without a card token; the retry places one order', async ({
    edge,
    katie,
  }) => {
    test.setTimeout(180_000)
    const key = `fail-closed-vault-${randomUUID()}`
    const before = await orderIdsOf(edge, katie)
    const refused = await withServiceStopped('tokenization-api', () => place(edge, katie, key))
    const { traceId } = expectUnavailable(refused)
    // order-fulfillment-api admitted the call and then could not tokenize: it wrote nothing, and
    // orders-api was never called on this trace.
    const fulfillment = await auditRecordsOf(traceId, 'order-fulfillment-api')
    expect(fulfillment.map((r) => `${r.decision} ${r.reason}`)).toEqual(['allow access.granted'])
    expect(await auditRecordsOf(traceId, 'orders-api')).toEqual([])
    expect(await orderIdsOf(edge, katie)).toEqual(before)

    await expectExactlyOneOrder(edge, katie, key, before)
  })

  test('the IdP down behind the edge: the next exchange fails closed, nothing is written', async ({
    edge,
  }) => {
    test.setTimeout(180_000)
    // A sign-in of its own: the gateway has just introspected and exchanged this token once.
    const session = await signInShopper('katie')
    const key = `fail-closed-idp-${randomUUID()}`
    const before = await orderIdsOf(edge, session)
    const refused = await withServiceStopped('idp', () => place(edge, session, key))
    const { traceId } = expectUnavailable(refused)
    const gateway = await auditRecordsOf(traceId)
    expect(gateway.map((r) => `${r.decision} ${r.reason}`)).toEqual(['allow gateway.allowed'])
    // The process API was never reached: no token could be obtained for it.
    expect(await auditRecordsOf(traceId, 'order-fulfillment-api')).toEqual([])
    expect(await orderIdsOf(edge, session)).toEqual(before)

    await expectExactlyOneOrder(edge, session, key, before)
  })
})
