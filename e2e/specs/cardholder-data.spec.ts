/**
 * Cardholder data (PCI DSS spirit), through the real stack: Katie places an order through the
 * gateway with the test card 4111 1111 1111 1111; then every table of every database, every log
 * file (services with their audit records, PostgreSQL's and RabbitMQ's own) is scanned for any
 * 13–19-digit Luhn-valid number: zero hits (logs: everything written since the order began). The
 * card exists only inside the vault, sealed.
 */
import { randomUUID } from 'node:crypto'
import { callWithDpop } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import { logOffsets, pansIn, scanDatabases, scanLogs } from '../support/pan-scan.ts'

const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }

test.describe('cardholder data', () => {
  test('the scan finds a PAN where there is one (the check can fail)', () => {
    expect(pansIn(`{"card":"${TEST_CARD.number}"}`, 'sample')).toEqual([
      { where: 'sample', last4: '1111' },
    ])
    expect(pansIn('card 4111-1111-1111-1111.', 'sample')).toHaveLength(1)
    expect(pansIn('"responseTime":265.4111111111111111', 'sample')).toEqual([])
    expect(pansIn('c885-4111-1111-1111-1111abc', 'sample')).toEqual([])
  })

  test('after Katie’s order with 4111 1111 1111 1111, no database and no log holds a card number', async ({
    edge,
    katie,
  }) => {
    // Logs are append-only and shared by every suite: what this order wrote is what is checked.
    const before = logOffsets()
    const placed = await callWithDpop(edge, {
      method: 'POST',
      path: '/shopping/me/orders',
      session: katie,
      headers: { 'content-type': 'application/json', 'idempotency-key': `pan-${randomUUID()}` },
      body: JSON.stringify({ items: [{ sku: 'sku-trail-shoe', quantity: 1 }], card: TEST_CARD }),
    })
    expect(placed.status, placed.text).toBe(201)
    const order = JSON.parse(placed.text) as { card: unknown }
    expect(order.card).toEqual({ brand: 'visa', last4: '1111' })
    expect(pansIn(placed.text, 'response')).toEqual([])

    const { hits, tables } = await scanDatabases()
    expect(tables).toEqual(
      expect.arrayContaining([
        'fulfillment.public.placed_orders',
        'fulfillment.public.outbox',
        'orders.public.orders',
        'vault.public.card_tokens',
      ]),
    )
    expect(hits).toEqual([])
    // The services log asynchronously (pino): give the last lines of this order time to land.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(scanLogs(before)).toEqual([])
  })
})
