/**
 * Settlement end to end on the real PostgreSQL and RabbitMQ (the suites' own vhost and database),
 * with the real card vault (tokenization-api) as its own process over mTLS (cardvault CA): a card
 * tokenized as order-fulfillment-api does it, `order.placed` sealed by the publisher and published
 * to the `orders` exchange, consumed from payments-api's own quorum queue into its inbox as a
 * pending payment, then detokenized at the vault and settled by the settlement loop, recorded
 * once. Also: the duplicate, the declining card, a hung vault (no transaction open while the loop
 * waits for it, `pg_stat_activity`), a stopped vault (pending, retried with back-off, settled once
 * when it is back), a decided payment that cannot change, the retail certificate refused at the
 * vault, and no card number anywhere in the payments database.
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { ChannelModel, ConfirmChannel } from 'amqplib'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import { createCardVaultClient, type CardVaultClient } from '@mythical/cardvault-client'
import { withCustomerScope } from '@mythical/db'
import {
  consumeEvents,
  ORDER_PLACED,
  ORDER_PLACED_PUBLISHER as PUBLISHER,
  ORDERS_EXCHANGE,
  orderPlacedOpener,
  orderPlacedQueue,
  orderPlacedSealer,
  type EventConsumer,
  type OrderPlaced,
} from '@mythical/events'
import {
  connectTestBroker,
  consumerTestDatabase,
  drainOtherSubscribers,
  eventually,
  testDatabasePool,
} from '@mythical/events/testing'
import { createMtlsAgent, loadWorkloadIdentity } from '@mythical/mtls'
import { stackPaths, workloadId } from '@mythical/stack'
import { captureAudit, freePort, type ServiceProcess } from '@mythical/testing'
import { request } from 'undici'
import { simulatedAcquirer } from '../../src/acquirer.ts'
import { recordPendingPayments } from '../../src/record-pending-payment.ts'
import { startSettlementLoop, type SettlementLoop } from '../../src/settle-payments.ts'
import { startCardVault, TEST_PAN, tokenizedOrder } from './card-vault-fixture.ts'

const paths = stackPaths()
const QUEUE = orderPlacedQueue('payments-api')
const DLQ = `${QUEUE}.dlq`
const VAULT_ID = workloadId('cardvault', 'tokenization-api')
const customer = `katie-payments-${randomUUID().slice(0, 8)}`
/** The loop's first back-off after a failed vault call (doubled per attempt, capped at 30 s). */
const FIRST_RETRY_DELAY_MS = 500

let vaultPort: number
let vaultUrl: string
let vaultProcess: ServiceProcess | undefined
let tokenizer: CardVaultClient
let detokenizer: CardVaultClient
let paymentsPool: pg.Pool
let publisherConn: ChannelModel
let publisherChannel: ConfirmChannel
let paymentsConn: ChannelModel
let consumerChannel: ConfirmChannel
let consumer: EventConsumer | undefined
let settlementLoop: SettlementLoop | undefined
let seal: Awaited<ReturnType<typeof orderPlacedSealer>>
const capture = captureAudit()
const audit = createAuditLogger({
  service: 'payments-api',
  level: 'fatal',
  destination: capture.destination,
})

const runningVault = (): ServiceProcess => {
  if (!vaultProcess) throw new Error('the vault process is not started')
  return vaultProcess
}

const startVault = async () => {
  vaultProcess = await startCardVault(vaultPort)
}

/** An order as order-fulfillment-api writes it, with a card the vault really tokenized. */
const placedOrder = (card?: { number: string; expMonth: number; expYear: number }) =>
  tokenizedOrder(tokenizer, customer, card)

/** Seals and publishes `order` as one `order.placed` message (publisher confirm awaited). */
async function publish(order: OrderPlaced, eventId = randomUUID()): Promise<string> {
  const event = {
    id: eventId,
    type: ORDER_PLACED,
    data: order as unknown as Record<string, unknown>,
    traceparent: `00-${order.traceId}-${randomBytes(8).toString('hex')}-01`,
  }
  const body = await seal(event)
  await new Promise<void>((resolve, reject) =>
    publisherChannel.publish(
      ORDERS_EXCHANGE,
      ORDER_PLACED,
      body,
      { persistent: true, mandatory: true, messageId: eventId, type: ORDER_PLACED },
      (err) => (err ? reject(err) : resolve()),
    ),
  )
  return eventId
}

const outcomesOf = (id: string) =>
  capture.records.filter((r) => r.tokenId === id).map((r) => r.reason)

interface PaymentRow {
  order_id: string
  customer_id: string
  card_token: string
  card_brand: string
  card_last4: string
  amount_cents: number
  currency: string
  status: string
  settled_at: Date | null
  decline_reason: string | null
  trace_id: string
}

const paymentsOf = (orderId: string) =>
  withCustomerScope(paymentsPool, customer, async (db) => {
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE order_id = $1', [
      orderId,
    ])
    return rows
  })

/** The order's payment once the settlement loop decided it (settled or declined). */
async function decidedPayment(orderId: string, timeoutMs = 30_000): Promise<PaymentRow> {
  const rows = await eventually(
    'a decided payment',
    () => paymentsOf(orderId),
    (r) => r.length === 1 && r[0]?.status !== 'pending',
    timeoutMs,
  )
  return rows[0] as PaymentRow
}

/** Publishes `order` and waits until the consumer recorded its payment as pending. */
async function publishedAsPending(order: OrderPlaced): Promise<string> {
  const id = await publish(order)
  await eventually(
    'recorded as pending',
    async () => outcomesOf(id),
    (o) => o.includes('event.processed'),
  )
  assert.deepEqual(
    (await paymentsOf(order.orderId)).map((r) => r.status),
    ['pending'],
  )
  return id
}

const queueRowOf = async (orderId: string) =>
  (
    await paymentsPool.query<{ attempts: number }>(
      'SELECT attempts FROM settlement_queue WHERE order_id = $1',
      [orderId],
    )
  ).rows

/** The settlement decisions audited on the order's trace. */
const settlementsOf = (traceId: string) =>
  capture.records
    .filter(
      (r) =>
        r.traceId === traceId &&
        (r.reason === 'payment.settled' || r.reason === 'payment.declined'),
    )
    .map((r) => r.reason)

/**
 * Sessions of payments-api's role on this suite's database (this one left out) inside a
 * transaction for more than a second: what a vault call inside a transaction leaves behind. The
 * loop's own short transactions (claim, record) last milliseconds and are caught idle between two
 * statements now and then (CI saw one 1 ms old), so a state alone proves nothing.
 */
const transactionsOfPaymentsApi = async () =>
  (
    await paymentsPool.query<{ state: string; age_ms: number }>(
      `SELECT state, (extract(epoch FROM now() - xact_start) * 1000)::int AS age_ms
         FROM pg_stat_activity
        WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()
          AND xact_start IS NOT NULL AND now() - xact_start > interval '1 second'`,
      [consumerTestDatabase('payments-api')],
    )
  ).rows

/** Message ids now in payments-api's own dead-letter queue (read and left there). */
async function readDlq(): Promise<string[]> {
  const channel = await paymentsConn.createChannel()
  const ids: string[] = []
  for (;;) {
    const msg = await channel.get(DLQ, { noAck: false })
    if (msg === false) break
    ids.push(String(msg.properties.messageId))
  }
  await channel.close() // unacknowledged: back into the DLQ
  return ids
}

describe('payments-api settles order.placed at the card vault (TB07, TB09)', () => {
  before(async () => {
    vaultPort = await freePort()
    vaultUrl = `https://127.0.0.1:${vaultPort}`
    await startVault()
    tokenizer = await createCardVaultClient({
      service: PUBLISHER,
      secretsDir: paths.secrets(PUBLISHER),
      pkiDir: paths.pki,
      url: vaultUrl,
    })
    detokenizer = await createCardVaultClient({
      service: 'payments-api',
      secretsDir: paths.secrets('payments-api'),
      pkiDir: paths.pki,
      url: vaultUrl,
    })
    paymentsPool = testDatabasePool('payments-api')
    seal = await orderPlacedSealer(paths.secrets(PUBLISHER), paths.pki)
    publisherConn = await connectTestBroker(PUBLISHER)
    publisherChannel = await publisherConn.createConfirmChannel()
    paymentsConn = await connectTestBroker('payments-api')
    consumerChannel = await paymentsConn.createConfirmChannel()
    await consumerChannel.purgeQueue(QUEUE)
    await consumerChannel.purgeQueue(DLQ)
    consumer = await consumeEvents({
      channel: consumerChannel,
      queue: QUEUE,
      open: await orderPlacedOpener('payments-api', paths.secrets('payments-api'), paths.pki),
      pool: paymentsPool,
      handle: recordPendingPayments({ audit, vaultId: VAULT_ID }),
      audit,
    })
    settlementLoop = startSettlementLoop({
      pool: paymentsPool,
      vault: detokenizer,
      acquirer: simulatedAcquirer(),
      audit,
      vaultId: VAULT_ID,
      firstRetryDelayMs: FIRST_RETRY_DELAY_MS,
      idlePauseMs: 200,
    })
  })

  after(async () => {
    await consumer?.stop()
    await settlementLoop?.stop()
    await consumerChannel?.purgeQueue(DLQ).catch(() => {})
    await drainOtherSubscribers('payments-api').catch(() => {})
    await paymentsConn?.close()
    await publisherConn?.close()
    await paymentsPool?.end()
    await tokenizer?.close()
    await detokenizer?.close()
    await vaultProcess?.stop()
  })

  it('one order event → a pending payment in the inbox transaction, then settled: token, brand, last four, amount, trace id; never the card number', async () => {
    const order = await placedOrder()
    const id = await publish(order)
    const row = await decidedPayment(order.orderId)
    assert.equal(row.status, 'settled')
    assert.ok(row.settled_at instanceof Date)
    assert.equal(row.decline_reason, null)
    assert.deepEqual(
      [row.customer_id, row.card_token, row.card_brand, row.card_last4, row.amount_cents],
      [customer, order.card.token, 'visa', '1111', 4900],
    )
    assert.equal(row.trace_id, order.traceId)
    assert.notEqual(row.card_token, TEST_PAN)
    assert.doesNotMatch(JSON.stringify(await paymentsOf(order.orderId)), /4111111111111111/)
    assert.deepEqual(await queueRowOf(order.orderId), [])
    await eventually(
      'audited',
      async () => outcomesOf(id),
      (o) => o.length === 2,
    )
    assert.deepEqual(outcomesOf(id), ['event.processed', 'payment.settled'])
    // The vault decided this detokenization for payments-api, over the cardvault certificate.
    const vaultDecisions = await runningVault().untilAudited(
      (r) => r.route === 'POST /detokenize' && r.traceId === order.traceId,
    )
    assert.equal(vaultDecisions[0]?.reason, 'vault.request_accepted')
    assert.equal(vaultDecisions[0]?.caller, workloadId('cardvault', 'payments-api'))
    assert.equal(vaultDecisions[0]?.boundary, 'TB07')
  })

  it('the same event twice → one payment; the same order in another message → no second charge', async () => {
    const order = await placedOrder()
    const id = randomUUID()
    await publish(order, id)
    await publish(order, id)
    await eventually(
      'both deliveries and the settlement',
      async () => outcomesOf(id),
      (o) => o.length === 3,
    )
    assert.deepEqual(outcomesOf(id).sort(), [
      'event.duplicate',
      'event.processed',
      'payment.settled',
    ])
    const again = await publish(order)
    await eventually(
      'another message',
      async () => outcomesOf(again),
      (o) => o.length === 2,
    )
    assert.deepEqual(outcomesOf(again), ['payment.already_recorded', 'event.processed'])
    assert.equal((await paymentsOf(order.orderId)).length, 1)
    assert.deepEqual(settlementsOf(order.traceId), ['payment.settled'])
  })

  it('the documented declining test card is recorded as declined, with its reason', async () => {
    const order = await placedOrder({ number: '4000 0000 0000 0002', expMonth: 12, expYear: 2030 })
    const id = await publish(order)
    const row = await decidedPayment(order.orderId)
    assert.deepEqual(
      [row.status, row.settled_at, row.decline_reason, row.card_last4],
      ['declined', null, 'insufficient_funds', '0002'],
    )
    await eventually(
      'audited',
      async () => outcomesOf(id),
      (o) => o.length === 2,
    )
    assert.deepEqual(outcomesOf(id), ['event.processed', 'payment.declined'])
  })

  it('a hung vault: the payment stays pending and no payments transaction is open while the loop waits; settled once when the vault answers again', async () => {
    // The probe sees a transaction held open by payments-api's role (what a vault call inside the
    // inbox transaction used to leave behind for the whole outage).
    const held = await paymentsPool.connect()
    try {
      await held.query('BEGIN')
      await held.query('SELECT 1')
      await sleep(1_500)
      assert.deepEqual(
        (await transactionsOfPaymentsApi()).map((t) => t.state),
        ['idle in transaction'],
      )
    } finally {
      await held.query('ROLLBACK')
      held.release()
    }
    const order = await placedOrder()
    const vault = runningVault()
    // Frozen, not gone: connections are accepted by the kernel and never answered.
    process.kill(vault.pid as number, 'SIGSTOP')
    try {
      await publishedAsPending(order)
      // Sampled for 4 s while the loop's vault call hangs (5 s answer / 10 s connect timeout).
      const samples: unknown[] = []
      for (let i = 0; i < 20; i += 1) {
        samples.push(...(await transactionsOfPaymentsApi()))
        await sleep(200)
      }
      assert.deepEqual(samples, [])
      // …while the loop was on it: the payment was claimed for the vault call.
      assert.ok(((await queueRowOf(order.orderId))[0]?.attempts ?? 0) >= 1)
      assert.deepEqual(
        (await paymentsOf(order.orderId)).map((r) => r.status),
        ['pending'],
      )
      assert.deepEqual(settlementsOf(order.traceId), [])
    } finally {
      process.kill(vault.pid as number, 'SIGCONT')
    }
    const row = await decidedPayment(order.orderId, 90_000)
    assert.equal(row.status, 'settled')
    await eventually(
      'audited once',
      async () => settlementsOf(order.traceId),
      (o) => o.length === 1,
    )
    assert.deepEqual(settlementsOf(order.traceId), ['payment.settled'])
  })

  it('a stopped vault: pending, retried with a growing back-off (no hot loop, no dead letter), settled exactly once when it is back', async () => {
    const order = await placedOrder()
    await runningVault().stop()
    try {
      const id = await publishedAsPending(order)
      await sleep(5_000)
      const attemptsWhileDown = (await queueRowOf(order.orderId))[0]?.attempts ?? 0
      // 0.5 + 1 + 2 s of back-off fit in 5 s: a few attempts, not hundreds.
      assert.ok(attemptsWhileDown >= 2 && attemptsWhileDown <= 5, `attempts: ${attemptsWhileDown}`)
      assert.deepEqual(
        (await paymentsOf(order.orderId)).map((r) => r.status),
        ['pending'],
      )
      assert.deepEqual(outcomesOf(id), ['event.processed'])
      assert.deepEqual(await readDlq(), [])
    } finally {
      await startVault()
    }
    const row = await decidedPayment(order.orderId, 60_000)
    assert.equal(row.status, 'settled')
    assert.deepEqual(await queueRowOf(order.orderId), [])
    await sleep(1_000)
    assert.deepEqual(settlementsOf(order.traceId), ['payment.settled'])
  })

  it('a decided payment cannot be changed, as payments-api itself', async () => {
    const order = await placedOrder({ number: '4000 0000 0000 0002', expMonth: 12, expYear: 2030 })
    await publish(order)
    assert.equal((await decidedPayment(order.orderId)).status, 'declined')
    await assert.rejects(
      withCustomerScope(paymentsPool, customer, (db) =>
        db.query(
          "UPDATE payments SET status = 'settled', settled_at = now(), decline_reason = NULL WHERE order_id = $1",
          [order.orderId],
        ),
      ),
      { code: '23514' },
    )
    await assert.rejects(
      withCustomerScope(paymentsPool, customer, (db) =>
        db.query('UPDATE payments SET amount_cents = 1 WHERE order_id = $1', [order.orderId]),
      ),
      { code: '42501' },
    )
    assert.equal((await decidedPayment(order.orderId)).status, 'declined')
  })

  it('a retail-CA certificate is refused at /detokenize, in the handshake', async () => {
    const retail = createMtlsAgent(loadWorkloadIdentity(paths.secrets('payments-api')))
    try {
      await assert.rejects(
        request(`${vaultUrl}/detokenize`, {
          method: 'POST',
          dispatcher: retail,
          headers: { 'content-type': 'application/jose' },
          body: 'x.y.z.w.v',
        }),
      )
    } finally {
      await retail.close()
    }
    const refused = await runningVault().untilAudited((r) => r.reason === 'vault.handshake_refused')
    assert.equal(refused[0]?.decision, 'deny')
    assert.equal(refused[0]?.boundary, 'TB07')
  })

  it('the payments table refuses a card number where the token goes, as payments-api itself', async () => {
    await assert.rejects(
      withCustomerScope(paymentsPool, customer, (db) =>
        db.query(
          `INSERT INTO payments (order_id, customer_id, card_token, card_brand, card_last4,
                                 amount_cents, currency, status, settled_at, trace_id)
           VALUES ($1, $2, $3, 'visa', '1111', 100, 'EUR', 'settled', now(), $4)`,
          [randomUUID(), customer, TEST_PAN, 'c'.repeat(32)],
        ),
      ),
      { constraint: 'card_token_is_not_a_pan' },
    )
  })
})
