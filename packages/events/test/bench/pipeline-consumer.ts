/**
 * One subscriber of the events pipeline benchmark, in its own worker thread (as each subscriber is
 * its own process in the stack): the shipped `consumeEvents` on its own bench queue, its own
 * database pool and inbox, the envelope opener or the plain one. Per stage it counts the audit
 * records `event.processed` (written after the inbox commit, before the ack) up to the expected
 * number and reports the moment it got there (or the first refusal or failure, ending the stage).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createLocalJWKSet, importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { createAuditLogger } from '@mythical/audit'
import {
  consumeEvents,
  createEventOpener,
  databaseOnlyEffect,
  ORDER_PLACED,
} from '../../src/index.ts'
import type { InboxEffect, NamedKey } from '../../src/index.ts'
import { plainOpener } from './plain-body.ts'
import { benchPool, connectBench } from './pipeline-target.ts'
import type { BenchTargets } from './pipeline-target.ts'

export interface ConsumerData {
  readonly subscriber: string
  readonly audience: string
  readonly queue: string
  readonly issuer: string
  readonly targets: BenchTargets
  readonly ownKey: JWK
  readonly publisherAgreementKeys: readonly JWK[]
  readonly publisherSigningKeys: readonly JWK[]
  /** Unacknowledged deliveries per subscriber; default: the services' (`DEFAULT_PREFETCH`). */
  readonly prefetch?: number
}

export type Mode = 'envelope' | 'plain'

export interface StageRequest {
  readonly stage: string
  readonly mode: Mode
  readonly expect: number
}

export type ConsumerReport =
  | { readonly type: 'ready' }
  | { readonly type: 'listening'; readonly stage: string }
  | {
      readonly type: 'done'
      readonly stage: string
      readonly doneAt: number
      readonly processed: number
      readonly refused: number
    }

const data = workerData as ConsumerData
const port = parentPort as NonNullable<typeof parentPort>
const report = (message: ConsumerReport) => port.postMessage(message)

const named = async (jwk: JWK): Promise<NamedKey> => ({
  kid: jwk.kid as string,
  alg: jwk.alg as string,
  key: (await importJWK(jwk, jwk.alg)) as CryptoKey,
})

// Keys imported once, before the first message.
const openers = {
  envelope: createEventOpener({
    issuer: data.issuer,
    audience: data.audience,
    decryptionKeys: [await named(data.ownKey)],
    publisherAgreementKeys: await Promise.all(data.publisherAgreementKeys.map(named)),
    verificationKeys: createLocalJWKSet({ keys: [...data.publisherSigningKeys] }),
    types: [ORDER_PLACED],
  }),
  plain: plainOpener(data.issuer, data.audience),
}
const conn = await connectBench(data.targets.broker)
// No effect, declared as in the stack: payments-api's reaches the vault (a savepoint per event),
// the other three write only to their database (the batch goes in one inbox statement).
const handle: InboxEffect =
  data.subscriber === 'payments-api' ? async () => {} : databaseOnlyEffect(async () => {})
const pool = benchPool(data.targets.database, data.targets.schemas[data.subscriber])

async function runStage({ stage, mode, expect }: StageRequest): Promise<void> {
  let processed = 0
  let refused = 0
  let reached: () => void = () => {}
  const done = new Promise<void>((resolve) => (reached = resolve))
  const audit = createAuditLogger({
    service: data.subscriber,
    level: 'warn',
    destination: {
      write(line: string) {
        if (line.includes('"event.processed"')) {
          if (++processed === expect) reached()
        } else if (line.includes('"deny"')) {
          refused++ // refused or failed: the stage has failed, say so now rather than time out
          reached()
        }
      },
    },
  })
  const channel = await conn.createChannel()
  channel.on('error', () => {})
  const consumer = await consumeEvents({
    channel,
    queue: data.queue,
    open: openers[mode],
    pool,
    handle,
    ...(data.prefetch ? { prefetch: data.prefetch } : {}),
    audit,
  })
  report({ type: 'listening', stage })
  await done
  const doneAt = Date.now()
  await consumer.stop()
  await channel.close().catch(() => {})
  report({ type: 'done', stage, doneAt, processed, refused })
}

port.on('message', (request: StageRequest | 'exit') => {
  if (request === 'exit') {
    void Promise.allSettled([conn.close(), pool.end()]).then(() => process.exit(0))
    return
  }
  void runStage(request)
})
report({ type: 'ready' })
