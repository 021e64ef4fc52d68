/**
 * Settlement when a lease runs out, on the real PostgreSQL with the real card vault (its own
 * process, over mTLS): two workers — settlement passes on the suite's database, no loop running —
 * share one simulated acquirer, as they would share a real one. A worker stalled in its vault
 * call past its lease, while another takes the payment over and charges it, gets the first
 * outcome back: one charge (the order id is the acquirer's idempotency key), one decision. A
 * worker whose claim another worker took over meanwhile charges nothing: the claim token fences
 * the lease renewal before each charge.
 *
 * Pending payments are recorded by payments-api's own `order.placed` effect in a transaction of
 * its own, as the consumer's inbox transaction would (the broker path is settlement.test.ts').
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import { createCardVaultClient, type CardVaultClient } from '@mythical/cardvault-client'
import { withCustomerScope } from '@mythical/db'
import {
  ORDER_PLACED,
  ORDER_PLACED_PUBLISHER as PUBLISHER,
  type OrderPlaced,
} from '@mythical/events'
import { testDatabasePool } from '@mythical/events/testing'
import { serviceByName, stackPaths, workloadId } from '@mythical/stack'
import { freePort, type ServiceProcess } from '@mythical/testing'
import { simulatedAcquirer, type SimulatedAcquirer } from '../../src/acquirer.ts'
import { recordPendingPayments } from '../../src/record-pending-payment.ts'
import { claimDueSettlements } from '../../src/settlement-queue.ts'
import { settleDuePayments, type SettlementPass } from '../../src/settle-payments.ts'
import { startCardVault, tokenizedOrder } from './card-vault-fixture.ts'

const paths = stackPaths()
const VAULT_ID = workloadId('cardvault', 'tokenization-api')
const workloadIdOf = (service: string) => workloadId(serviceByName(service).domain, service)
const customer = `katie-leases-${randomUUID().slice(0, 8)}`
/** The stalled worker's lease: short, so that it runs out while its vault call is held. */
const SHORT_LEASE_MS = 300

/** Every line payments-api logs (warnings and audit records), parsed. */
const logLines: Record<string, unknown>[] = []
const audit = createAuditLogger({
  service: 'payments-api',
  level: 'warn',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(line) as Record<string, unknown>)
      }
      done()
    },
  }),
})

let vaultProcess: ServiceProcess | undefined
let tokenizer: CardVaultClient
let detokenizer: CardVaultClient
let paymentsPool: pg.Pool

/** Records `order` as a pending payment and queues it, with payments-api's own effect. */
async function pendingPayment(): Promise<OrderPlaced> {
  const order = await tokenizedOrder(tokenizer, customer)
  const record = recordPendingPayments({ audit, vaultId: VAULT_ID })
  await withCustomerScope(paymentsPool, customer, (db) =>
    record(
      {
        id: randomUUID(),
        type: ORDER_PLACED,
        issuer: workloadIdOf(PUBLISHER),
        audience: workloadIdOf('payments-api'),
        issuedAt: Math.floor(Date.now() / 1000),
        traceparent: `00-${order.traceId}-${randomBytes(8).toString('hex')}-01`,
        data: order as unknown as Record<string, unknown>,
      },
      db,
    ),
  )
  return order
}

/** One settlement pass of a worker with `vault` and `acquirer`. */
const pass = (
  vault: Pick<CardVaultClient, 'detokenize'>,
  acquirer: SimulatedAcquirer,
  leaseMs?: number,
): Promise<SettlementPass> =>
  settleDuePayments({ pool: paymentsPool, vault, acquirer, audit, vaultId: VAULT_ID, leaseMs })

/**
 * Starts a pass of a worker with a short lease whose vault call for `order`'s card is held — a
 * slow network, a paused process — after it renewed its lease, and returns once that lease ran
 * out. `resume()` lets the vault call go on and returns what the pass did.
 */
async function stalledWorker(order: OrderPlaced, acquirer: SimulatedAcquirer) {
  let entered!: () => void
  let release!: () => void
  const inVaultCall = new Promise<void>((resolve) => (entered = resolve))
  const released = new Promise<void>((resolve) => (release = resolve))
  const vault = {
    async detokenize(token: string, traceparent?: string) {
      if (token === order.card.token) {
        entered()
        await released
      }
      return detokenizer.detokenize(token, traceparent)
    },
  }
  const result = pass(vault, acquirer, SHORT_LEASE_MS)
  await Promise.race([
    inVaultCall,
    result.then(() => assert.fail('the pass ended before its vault call for the order')),
  ])
  await sleep(SHORT_LEASE_MS * 2)
  return {
    resume(): Promise<SettlementPass> {
      release()
      return result
    },
  }
}

const paymentOf = async (orderId: string) =>
  (
    await withCustomerScope(paymentsPool, customer, (db) =>
      db.query<{ status: string; settled_at: Date | null }>(
        'SELECT status, settled_at FROM payments WHERE order_id = $1',
        [orderId],
      ),
    )
  ).rows

const queueRowOf = async (orderId: string) =>
  (
    await paymentsPool.query<{ claim_token: string; leased_ms: number }>(
      `SELECT claim_token, (extract(epoch FROM next_attempt_at - now()) * 1000)::int AS leased_ms
         FROM settlement_queue WHERE order_id = $1`,
      [orderId],
    )
  ).rows

/** The settlement decisions audited on the order's trace. */
const settlementsOf = (order: OrderPlaced) =>
  logLines
    .filter((r) => r.audit === true && r.traceId === order.traceId)
    .map((r) => r.reason)
    .filter((reason) => reason === 'payment.settled' || reason === 'payment.declined')

describe('payments-api charges once when a settlement lease runs out', () => {
  before(async () => {
    const port = await freePort()
    vaultProcess = await startCardVault(port)
    const url = `https://127.0.0.1:${port}`
    tokenizer = await createCardVaultClient({
      service: PUBLISHER,
      secretsDir: paths.secrets(PUBLISHER),
      pkiDir: paths.pki,
      url,
    })
    detokenizer = await createCardVaultClient({
      service: 'payments-api',
      secretsDir: paths.secrets('payments-api'),
      pkiDir: paths.pki,
      url,
    })
    paymentsPool = testDatabasePool('payments-api')
  })

  after(async () => {
    await paymentsPool?.end()
    await tokenizer?.close()
    await detokenizer?.close()
    await vaultProcess?.stop()
  })

  it('a lease that runs out mid-charge: the worker that takes the payment over charges it, the stalled one charges under the same key and is answered without a second charge — one charge, one decision', async () => {
    const order = await pendingPayment()
    const acquirer = simulatedAcquirer()
    const stalled = await stalledWorker(order, acquirer)
    // The lease ran out: a second worker claims the payment, charges and records it.
    await pass(detokenizer, acquirer)
    const [decided] = await paymentOf(order.orderId)
    assert.equal(decided?.status, 'settled')
    assert.equal(acquirer.chargesOf(order.orderId), 1)
    // The first worker's vault call returns; it charges under the same key and records nothing.
    await stalled.resume()
    assert.equal(acquirer.chargesOf(order.orderId), 1)
    assert.deepEqual(await paymentOf(order.orderId), [decided])
    assert.deepEqual(settlementsOf(order), ['payment.settled'])
    assert.deepEqual(await queueRowOf(order.orderId), [])
  })

  it('a worker whose claim another worker took over charges nothing for it, and leaves that worker its lease', async () => {
    const first = await pendingPayment()
    const second = await pendingPayment()
    const acquirer = simulatedAcquirer()
    // One worker claims both under one short lease and stalls in the first one's vault call…
    const stalled = await stalledWorker(first, acquirer)
    // …both leases run out, and another worker claims them (it settles them later).
    const takenOver = await claimDueSettlements(paymentsPool, 100, 60_000)
    const tokenOfSecond = takenOver.find((c) => c.orderId === second.orderId)?.claimToken
    assert.ok(tokenOfSecond)
    const result = await stalled.resume()
    // The first charge was under way (renewed before its vault call): charged once, recorded.
    assert.equal(acquirer.chargesOf(first.orderId), 1)
    assert.equal((await paymentOf(first.orderId))[0]?.status, 'settled')
    // The second was never charged: its renewal found another worker's token.
    assert.ok(result.lost >= 1, `lost: ${result.lost}`)
    assert.equal(acquirer.chargesOf(second.orderId), 0)
    assert.deepEqual(
      (await paymentOf(second.orderId)).map((p) => p.status),
      ['pending'],
    )
    assert.deepEqual(settlementsOf(second), [])
    const [row] = await queueRowOf(second.orderId)
    assert.equal(row?.claim_token, tokenOfSecond)
    assert.ok((row?.leased_ms ?? 0) > 50_000, `the other worker's lease left: ${row?.leased_ms} ms`)
    assert.ok(
      logLines.some(
        (l) =>
          l.orderId === second.orderId &&
          /no longer held/.test(String(l.msg)) &&
          l.level === 'warn',
      ),
      'the lost claim is logged',
    )
    // Once that lease is over too, a worker settles it: one charge, one decision.
    await paymentsPool.query(
      'UPDATE settlement_queue SET next_attempt_at = now() WHERE order_id = $1',
      [second.orderId],
    )
    await pass(detokenizer, acquirer)
    assert.equal((await paymentOf(second.orderId))[0]?.status, 'settled')
    assert.equal(acquirer.chargesOf(second.orderId), 1)
    assert.deepEqual(settlementsOf(second), ['payment.settled'])
  })
})
