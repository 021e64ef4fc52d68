/**
 * Cardholder data and PostgreSQL's own log: a statement that violates a constraint must not put
 * the row (`DETAIL: Failing row contains (…)`) or the statement with its literals into
 * `.stack/logs/postgres.log`. The insert below tries to store the test card as a card token, which
 * the `card_token_is_not_a_pan` CHECK of order-fulfillment-api's `placed_orders` refuses.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { layout, serviceClient, usePostgres, using } from './helpers.ts'

const PAN = '4111111111111111'

let teardown: () => Promise<void>
before(async () => {
  ;({ teardown } = await usePostgres())
})
after(() => teardown())

async function logSince(offset: number): Promise<string> {
  const file = await open(layout.log, 'r')
  try {
    const { size } = await file.stat()
    const buffer = Buffer.alloc(size - offset)
    await file.read(buffer, 0, buffer.length, offset)
    return buffer.toString('utf8')
  } finally {
    await file.close()
  }
}

test('a constraint violation logs neither the failing row nor the statement with the card', async () => {
  const offset = (await stat(layout.log)).size
  const orderId = randomUUID()
  await using(serviceClient('order-fulfillment-api'), async (client) => {
    await client.query('BEGIN')
    await client.query(`SELECT set_config('app.customer_id', 'log-privacy', true)`)
    await assert.rejects(
      client.query(
        `INSERT INTO placed_orders (order_id, customer_id, card_token, total_cents, request_fingerprint)
         VALUES ('${orderId}', 'log-privacy', '${PAN}', 100, '${'A'.repeat(43)}')`,
      ),
      { code: '23514' },
    )
    await client.query('ROLLBACK')
  })
  // The server writes its log asynchronously to the statement's answer.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const written = await logSince(offset)
  assert.match(written, /violates check constraint "card_token_is_not_a_pan"/)
  assert.doesNotMatch(written, new RegExp(PAN))
  assert.doesNotMatch(written, new RegExp(orderId))
})
