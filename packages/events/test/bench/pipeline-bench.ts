/**
 * The `order.placed` pipeline on the stack's real RabbitMQ and PostgreSQL (the bench's own vhost
 * and database), with the shipped code: `createOutboxRelay` (outbox rows → seal → publish
 * persistent + mandatory → publisher confirms → mark) and four `consumeEvents` subscribers, each
 * in its own worker thread (open → inbox insert in a transaction → audit → ack). Every stage runs
 * with the envelope and with a plain JSON body in the same run, beside the crypto-only ceiling of
 * the envelope (CPU time of one seal + four opens, spread over 2 cores).
 */
import { randomUUID } from 'node:crypto'
import { loadavg } from 'node:os'
import { Worker } from 'node:worker_threads'
import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'
import type pg from 'pg'
import {
  createEventOpener,
  createEventSealer,
  createOutboxRelay,
  orderPlacedPublisherId,
  ORDER_PLACED,
  ORDER_PLACED_SUBSCRIBERS,
  RETAIL_AUDIENCE,
  retailProjection,
  SHIPPING_PARTNER_AUDIENCE,
  shippingPartnerProjection,
} from '../../src/index.ts'
import type { BusinessEvent, NamedKey } from '../../src/index.ts'
import { startCpuMeter } from './cpu-meter.ts'
import type { CpuSpent } from './cpu-meter.ts'
import type { ConsumerData, ConsumerReport, Mode, StageRequest } from './pipeline-consumer.ts'
import { sealPlain } from './plain-body.ts'
import { benchPool, connectBench } from './pipeline-target.ts'
import type { BenchTargets } from './pipeline-target.ts'

const ISSUER = 'spiffe://retail.mythical.example/order-fulfillment-api'
const EXCHANGE = 'orders'
const SUBSCRIBERS = Object.entries(ORDER_PLACED_SUBSCRIBERS)
const STAGE_TIMEOUT_MS = 300_000
const WARM_UP_EVENTS = 50
export const benchQueue = (subscriber: string): string => `bench.${subscriber}.order-placed`

interface KeyPair {
  readonly pub: NamedKey
  readonly priv: NamedKey
  readonly jwk: JWK
  readonly privateJwk: JWK
}

async function keyPair(alg: 'ES256' | 'ECDH-ES+A256KW', kid: string): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const use = alg === 'ES256' ? 'sig' : 'enc'
  return {
    pub: { kid, alg, key: publicKey },
    priv: { kid, alg, key: privateKey },
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use },
  }
}

function orderPlaced(): BusinessEvent {
  return {
    id: randomUUID(),
    type: ORDER_PLACED,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    data: {
      version: 1,
      orderId: randomUUID(),
      customer: 'katie',
      items: [{ sku: 'SHOE-1', quantity: 2, priceCents: 4999 }],
      totalCents: 9998,
      currency: 'EUR',
      card: { token: 'tok_visa_9f8e7d', brand: 'visa', last4: '1111' },
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      placedAt: new Date().toISOString(),
      deliveryAddress: { name: 'Katie', street: '1 Main St', city: 'Springfield' },
    },
  }
}

/** Progress on stderr, so a slow stage on a loaded machine is visibly alive. */
const progress = (what: string) =>
  console.error(`[events bench] ${new Date().toISOString()} ${what}`)

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000

export interface CeilingFigures {
  readonly sealCpuMs: number
  readonly openCpuMs: number
  /** Events/s on 2 cores when one event costs one seal and four opens of CPU. */
  readonly perSecond: number
}

/** Events sealed and opened before the ceiling is timed: 30 left it swinging 2× between runs. */
const CEILING_WARM_UP = 300
/** Timed rounds; the ceiling is the median round's (a stray slow or fast round moves nothing). */
const CEILING_ROUNDS = 5

/**
 * Seals or opens as many events in flight at once as the pipeline keeps (a subscriber holds its
 * prefetch): one at a time, each WebCrypto job also pays its hand-over to libuv's pool and back,
 * which in the pipeline is shared by the jobs in flight together.
 */
const CEILING_IN_FLIGHT = 16

/** Runs `job` over `items`, `inFlight` at a time. */
async function inGroups<T, R>(
  items: readonly T[],
  inFlight: number,
  job: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = []
  for (let start = 0; start < items.length; start += inFlight) {
    const group = items.slice(start, start + inFlight)
    results.push(...(await Promise.all(group.map((item, i) => job(item, start + i)))))
  }
  return results
}

/**
 * CPU time of the shipped sealer (2 signatures, 3 + 1 recipients) and of one opener, `inFlight`
 * events at a time: 1 is the issue's own measure (one operation after another), the higher
 * figure what the same crypto costs as the pipeline runs it.
 */
async function cryptoCeiling(
  seal: (e: BusinessEvent) => Promise<Buffer>,
  open: (b: Buffer, id: string) => Promise<unknown>,
  inFlight: number,
  events = 400,
): Promise<CeilingFigures> {
  await inGroups(Array.from({ length: CEILING_WARM_UP }, orderPlaced), inFlight, async (e) =>
    open(await seal(e), e.id),
  )
  const rounds: CeilingFigures[] = []
  for (let round = 0; round < CEILING_ROUNDS; round++) {
    const sample = Array.from({ length: events }, orderPlaced)
    const start = process.cpuUsage()
    const bodies = await inGroups(sample, inFlight, seal)
    const sealCpuMs = cpuMs(process.cpuUsage(start)) / events
    const middle = process.cpuUsage()
    await inGroups(bodies, inFlight, (body, i) => open(body, (sample[i] as BusinessEvent).id))
    const openCpuMs = cpuMs(process.cpuUsage(middle)) / events
    rounds.push({ sealCpuMs, openCpuMs, perSecond: 2000 / (sealCpuMs + 4 * openCpuMs) })
  }
  rounds.sort((a, b) => a.perSecond - b.perSecond)
  return rounds[Math.floor(CEILING_ROUNDS / 2)] as CeilingFigures
}

export interface ModeFigures {
  /** Outbox → seal → publish with confirm → mark, events/s. */
  readonly publishPerSecond: number
  /** Each subscriber's open + inbox insert + ack rate, events/s, all four at once. */
  readonly consumePerSecond: Readonly<Record<string, number>>
  /** Outbox rows written → all four subscribers done, events/s. */
  readonly endToEndPerSecond: number
  /** CPU per event over the end-to-end stage, milliseconds. */
  readonly endToEndCpuMsPerEvent: CpuSpent
}

export interface PipelineFigures {
  readonly events: number
  readonly loadBefore: readonly number[]
  readonly loadAfter: readonly number[]
  /** One crypto operation at a time (the issue's measure). */
  readonly ceiling: CeilingFigures
  /** {@link CEILING_IN_FLIGHT} operations at a time, as the pipeline runs them. */
  readonly concurrentCeiling: CeilingFigures
  readonly modes: Readonly<Record<Mode, ModeFigures>>
  readonly bodyBytes: Readonly<Record<Mode, number>>
}

/** The four subscriber threads and the stage protocol with them. */
function startConsumers(
  data: Omit<ConsumerData, 'subscriber' | 'audience' | 'queue' | 'ownKey'>,
  keys: Record<string, KeyPair>,
) {
  const workers = SUBSCRIBERS.map(([subscriber, audience]) => {
    const workerData: ConsumerData = {
      ...data,
      subscriber,
      audience,
      queue: benchQueue(subscriber),
      ownKey: (keys[subscriber] as KeyPair).privateJwk,
    }
    const worker = new Worker(new URL('./pipeline-consumer.ts', import.meta.url), { workerData })
    return { subscriber, worker }
  })
  const next = (worker: Worker, type: ConsumerReport['type']) =>
    new Promise<ConsumerReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop()
        reject(new Error(`a subscriber did not report "${type}" in time`))
      }, STAGE_TIMEOUT_MS)
      // Every listener goes once one fires: each stage asks each worker for three reports.
      function stop(): void {
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
      }
      const onMessage = (message: ConsumerReport) => {
        if (message.type !== type) return
        stop()
        resolve(message)
      }
      const onError = (error: unknown) => {
        stop()
        reject(error instanceof Error ? error : new Error(String(error)))
      }
      worker.on('message', onMessage)
      worker.on('error', onError)
    })
  return {
    ready: () => Promise.all(workers.map(({ worker }) => next(worker, 'ready'))),
    /** Starts a stage on every subscriber; resolves once all listen, with their completions. */
    async start(request: StageRequest) {
      const done = workers.map(({ subscriber, worker }) =>
        next(worker, 'done').then((r) => ({
          subscriber,
          ...(r as Extract<ConsumerReport, { type: 'done' }>),
        })),
      )
      const listening = workers.map(({ worker }) => next(worker, 'listening'))
      for (const { worker } of workers) worker.postMessage(request)
      await Promise.all(listening)
      return Promise.all(done)
    },
    async exit() {
      await Promise.all(
        workers.map(
          ({ worker }) =>
            new Promise((resolve) => {
              worker.once('exit', resolve)
              worker.postMessage('exit')
            }),
        ),
      )
    },
  }
}

async function writeOutbox(pool: pg.Pool, events: number): Promise<void> {
  await pool.query(
    `INSERT INTO outbox (event_type, payload)
     SELECT $1, jsonb_build_object(
       'version', 1, 'orderId', gen_random_uuid(), 'customer', 'katie',
       'items', '[{"sku":"SHOE-1","quantity":2,"priceCents":4999}]'::jsonb,
       'totalCents', 9998, 'currency', 'EUR',
       'card', '{"token":"tok_visa_9f8e7d","brand":"visa","last4":"1111"}'::jsonb,
       'traceId', md5(random()::text), 'placedAt', now(),
       'deliveryAddress', '{"name":"Katie","street":"1 Main St","city":"Springfield"}'::jsonb)
     FROM generate_series(1, $2)`,
    [ORDER_PLACED, events],
  )
}

/**
 * Runs every stage for both bodies and returns the figures. `events` per stage; subscribers'
 * inboxes, the outbox and the bench queues are emptied before each stage.
 */
export async function benchPipeline(
  targets: BenchTargets,
  events: number,
  prefetch?: number,
): Promise<PipelineFigures> {
  const loadBefore = loadavg()
  const signing = await keyPair('ES256', 'ofa-sig')
  const agreement = await keyPair('ECDH-ES+A256KW', 'ofa-enc')
  const keys = Object.fromEntries(
    await Promise.all(
      SUBSCRIBERS.map(async ([s]) => [s, await keyPair('ECDH-ES+A256KW', `${s}-enc`)] as const),
    ),
  ) as Record<string, KeyPair>
  const recipientsOf = (audience: string) =>
    SUBSCRIBERS.filter(([, a]) => a === audience).map(([s]) => (keys[s] as KeyPair).pub)
  const sealEnvelope = createEventSealer({
    issuer: ISSUER,
    signingKey: signing.priv,
    agreementKey: agreement.priv,
    audiences: [
      {
        name: RETAIL_AUDIENCE,
        recipients: recipientsOf(RETAIL_AUDIENCE),
        project: retailProjection,
      },
      {
        name: SHIPPING_PARTNER_AUDIENCE,
        recipients: recipientsOf(SHIPPING_PARTNER_AUDIENCE),
        project: shippingPartnerProjection,
      },
    ],
  })
  const openOne = createEventOpener({
    issuer: ISSUER,
    audience: RETAIL_AUDIENCE,
    decryptionKeys: [(keys['customers-api'] as KeyPair).priv],
    publisherAgreementKeys: [agreement.pub],
    verificationKeys: createLocalJWKSet({ keys: [signing.jwk] }),
    types: [ORDER_PLACED],
  })
  progress('crypto-only ceiling')
  const ceiling = await cryptoCeiling(sealEnvelope, openOne, 1)
  const concurrentCeiling = await cryptoCeiling(sealEnvelope, openOne, CEILING_IN_FLIGHT)
  const sample = orderPlaced()
  const bodyBytes = {
    envelope: (await sealEnvelope(sample)).length,
    plain: (await sealPlain(sample)).length,
  }

  const pool = benchPool(targets.database)
  const conn = await connectBench(targets.broker)
  const setup = await conn.createChannel()
  await setup.assertExchange(EXCHANGE, 'direct', { durable: true })
  for (const [subscriber] of SUBSCRIBERS) {
    const queue = benchQueue(subscriber)
    await setup.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
    await setup.bindQueue(queue, EXCHANGE, ORDER_PLACED)
  }
  const channel = await conn.createConfirmChannel()
  channel.on('error', () => {})
  const seals: Record<Mode, (e: BusinessEvent) => Promise<Buffer>> = {
    envelope: sealEnvelope,
    plain: sealPlain,
  }
  const consumers = startConsumers(
    {
      issuer: ISSUER,
      targets,
      publisherAgreementKeys: [agreement.jwk],
      publisherSigningKeys: [signing.jwk],
      ...(prefetch ? { prefetch } : {}),
    },
    keys,
  )
  progress('starting the four subscriber threads')
  await consumers.ready()

  async function reset(n: number): Promise<void> {
    for (const [subscriber] of SUBSCRIBERS) await setup.purgeQueue(benchQueue(subscriber))
    const tables = ['outbox', ...Object.values(targets.schemas).map((s) => `${s}.inbox`)].join(', ')
    await pool.query(`TRUNCATE ${tables}`)
    await writeOutbox(pool, n)
  }
  const relayAll = async (mode: Mode) => {
    const relay = createOutboxRelay({
      pool,
      channel,
      exchange: EXCHANGE,
      seal: seals[mode],
      publisher: orderPlacedPublisherId(),
    })
    while ((await relay.publishPending()) > 0);
  }
  const checkAll = (done: { processed: number; refused: number; subscriber: string }[]) => {
    for (const d of done) {
      if (d.refused > 0) throw new Error(`${d.subscriber} refused ${d.refused} message(s)`)
    }
  }

  /** Publish, then consume what was published, then both at once (end to end), `n` events. */
  async function stages(mode: Mode, n: number): Promise<ModeFigures> {
    const perSecond = (ms: number) => (n * 1000) / ms
    progress(`${mode}: publish ${n}`)
    await reset(n)
    let start = Date.now()
    await relayAll(mode)
    const publishPerSecond = perSecond(Date.now() - start)

    progress(`${mode}: consume ${n}`)
    start = Date.now()
    const consumed = await consumers.start({ stage: 'consume', mode, expect: n })
    checkAll(consumed)
    const consumePerSecond = Object.fromEntries(
      consumed.map((d) => [d.subscriber, perSecond(d.doneAt - start)]),
    )

    progress(`${mode}: end to end ${n}`)
    await reset(n)
    const endToEnd = consumers.start({ stage: 'end-to-end', mode, expect: n })
    start = Date.now()
    const cpu = startCpuMeter(targets.database.database)
    const [, finished] = await Promise.all([relayAll(mode), endToEnd])
    const spent = cpu()
    checkAll(finished)
    const endToEndPerSecond = perSecond(Math.max(...finished.map((d) => d.doneAt)) - start)
    const endToEndCpuMsPerEvent = {
      node: spent.node / n,
      postgres: spent.postgres / n,
      broker: spent.broker / n,
    }
    return { publishPerSecond, consumePerSecond, endToEndPerSecond, endToEndCpuMsPerEvent }
  }

  const modes = {} as Record<Mode, ModeFigures>
  try {
    // Warm-up, not counted: JIT, TLS sessions and pool connections of every thread.
    for (const mode of ['plain', 'envelope'] as const) await stages(mode, WARM_UP_EVENTS)
    for (const mode of ['plain', 'envelope'] as const) modes[mode] = await stages(mode, events)
  } finally {
    await consumers.exit()
    await conn.close().catch(() => {})
    await pool.end()
  }
  return {
    events,
    loadBefore,
    loadAfter: loadavg(),
    ceiling,
    concurrentCeiling,
    modes,
    bodyBytes,
  }
}
