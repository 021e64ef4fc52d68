import type { Channel, ConfirmChannel, ConsumeMessage, Message } from 'amqplib'
import type pg from 'pg'
import { parseTraceparent } from '@mythical/audit'
import type { AuditLogger } from '@mythical/audit'
import { consumedEvent, withEventSpan } from '@mythical/telemetry'
import { deadLetterExchangeOf } from '@mythical/stack'
import { EventRejected } from './errors.ts'
import type { EventRejectionReason } from './errors.ts'
import type { VerifiedEvent } from './event.ts'
import { createDeliverySettler } from './delivery-settler.ts'
import { createInboxBatcher } from './inbox-batch.ts'
import type { InboxEffect } from './inbox-batch.ts'

/**
 * Default unacknowledged messages per consumer, and so the largest inbox batch. Sealed events
 * reach a subscriber as fast as their crypto finishes; with 16 in hand its batches stayed small,
 * and PostgreSQL and RabbitMQ paid per batch. At 64 the same bench (docs/performance.md) ran
 * 25 % less CPU per event and 35 % faster end to end; 64 sealed events are ~200 KiB in memory, and
 * a crash redelivers at most those, which the inbox absorbs.
 */
export const DEFAULT_PREFETCH = 64

/**
 * Headers of a message the consumer dead-lettered: why (the audit record's reason code), which
 * queue refused it, and the trace id of that audit record. The original body travels unchanged
 * for forensics; nothing of its content is copied into a header.
 */
export const REJECTION_HEADERS = {
  reason: 'x-rejection-reason',
  queue: 'x-rejected-by-queue',
  traceId: 'x-rejection-trace-id',
} as const

export interface EventConsumerOptions {
  /**
   * A channel of the consumer's own broker connection (`connectBroker`). A confirm channel
   * (`createConfirmChannel`, what the service loops use) lets a refused message be republished to
   * the queue's own dead-letter exchange with its reason in a header, acked only once the broker
   * confirmed that copy; on a plain channel a refused message is rejected and the queue's
   * dead-lettering moves it (`x-death` only, the reason is in the audit record alone).
   */
  readonly channel: Channel | ConfirmChannel
  /** Its own quorum queue, e.g. `customers-api.order-placed`. */
  readonly queue: string
  /** `createEventOpener(...)` of this subscriber. */
  readonly open: (body: Buffer, messageId: string | undefined) => Promise<VerifiedEvent>
  /** The subscriber's own database; its `inbox` table records every processed message id. */
  readonly pool: pg.Pool
  /**
   * The effect, inside the inbox transaction: it commits with the inbox row or not at all. One
   * declared `databaseOnlyEffect(...)` lets a batch be applied with one inbox statement and no
   * savepoints ({@link createInboxBatcher}).
   */
  readonly handle: InboxEffect
  readonly audit: AuditLogger
  readonly prefetch?: number
}

/** What became of one delivery; also the audit record's `reason`. */
export type DeliveryOutcome =
  'event.processed' | 'event.duplicate' | 'event.processing_failed' | EventRejected['reason']

/** A running consumer: `stop()` cancels the subscription and waits for messages in hand. */
export interface EventConsumer {
  stop(): Promise<void>
}

/**
 * Republishes a refused message to `<queue>.dlx` (fanout into `<queue>.dlq`, writable by this
 * consumer only) with the reason in a header, persistent and `mandatory`, and waits for the
 * broker's confirm. Resolves `false` when the copy was not confirmed (nack, channel closed) or came
 * back unroutable (its `correlationId` in `unroutable`: a `basic.return` arrives before the
 * confirm, which alone would also ack an unroutable message): the caller then falls
 * back to a plain reject, which the queue's own dead-lettering moves to the same DLQ (`x-death`
 * only) — never dropped either way.
 */
function deadLetter(
  channel: Channel | ConfirmChannel,
  queue: string,
  msg: ConsumeMessage,
  reason: EventRejectionReason,
  traceId: string,
  unroutable: Set<string>,
): Promise<boolean> {
  // Without confirms a republished copy could be lost unnoticed: reject instead.
  if (!('waitForConfirms' in channel)) return Promise.resolve(false)
  const { messageId, contentType, type } = msg.properties as unknown as Record<string, unknown>
  const copyId = crypto.randomUUID()
  return new Promise((resolve) => {
    try {
      channel.publish(
        deadLetterExchangeOf(queue),
        '',
        msg.content,
        {
          persistent: true,
          mandatory: true,
          correlationId: copyId,
          ...(typeof messageId === 'string' ? { messageId } : {}),
          ...(typeof contentType === 'string' ? { contentType } : {}),
          ...(typeof type === 'string' ? { type } : {}),
          headers: {
            [REJECTION_HEADERS.reason]: reason,
            [REJECTION_HEADERS.queue]: queue,
            [REJECTION_HEADERS.traceId]: traceId,
          },
        },
        (err) => resolve(!err && !unroutable.delete(copyId)),
      )
    } catch {
      resolve(false) // IllegalOperationError: the channel closed meanwhile
    }
  })
}

/** Trace id of the message's own trace context, or a fresh one for a message without any. */
const traceIdOf = (traceparent: string | undefined): string =>
  parseTraceparent(traceparent)?.traceId ?? crypto.randomUUID().replaceAll('-', '')

/**
 * Consumes a subscriber's own queue with manual acknowledgements and a prefetch limit:
 *
 * - verified and new → effect + inbox row committed, then ack; deliveries verified while a batch
 *   commits go together in the next transaction ({@link createInboxBatcher}), and their acks in
 *   as few frames as the delivery order allows ({@link createDeliverySettler})
 * - verified and already in the inbox → ack, no effect
 * - refused by the opener (forged, tampered, unsigned, undecryptable, stale, …) → audit record with
 *   the reason; the body is republished to the queue's own `<queue>.dlx` with the reason, queue
 *   and audit trace id in headers ({@link REJECTION_HEADERS}), and the original acked once that
 *   copy is confirmed (no confirm → `nack` without requeue, the broker dead-letters it with
 *   `x-death`); never processed, never dropped, and the queue keeps flowing
 * - effect failed (database down, bug) → rolled back (its own savepoint, or the whole batch when
 *   the transaction fails) and requeued; after the queue's `x-delivery-limit` redeliveries the
 *   broker dead-letters it, so a poison message cannot block
 *
 * @example
 * ```ts
 * const consumer = await consumeEvents({ channel, queue: 'customers-api.order-placed', open, pool, handle, audit })
 * await consumer.stop()
 * ```
 */
export async function consumeEvents(options: EventConsumerOptions): Promise<EventConsumer> {
  const { channel, queue, open, pool, handle, audit } = options
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH
  const inbox = createInboxBatcher(pool, handle, prefetch)
  const settler = createDeliverySettler(channel)
  const inFlight = new Set<Promise<void>>()
  const unroutable = new Set<string>()
  channel.on('return', (returned: Message) => {
    const id: unknown = returned.properties.correlationId
    if (typeof id === 'string') unroutable.add(id)
  })

  const onMessage = async (msg: ConsumeMessage): Promise<void> => {
    const messageId: unknown = msg.properties.messageId
    let event: VerifiedEvent
    try {
      event = await open(msg.content, typeof messageId === 'string' ? messageId : undefined)
    } catch (error) {
      const reason = error instanceof EventRejected ? error.reason : 'event.malformed'
      // An unverified message has no trustworthy trace context: a fresh trace id ties the audit
      // record to the dead-lettered copy.
      const traceId = traceIdOf(undefined)
      audit.decision({
        traceId,
        boundary: 'TB09',
        decision: 'deny',
        reason,
        ...(typeof messageId === 'string' ? { tokenId: messageId } : {}),
      })
      const copied = await deadLetter(channel, queue, msg, reason, traceId, unroutable)
      settler.settle(msg, copied ? 'ack' : 'reject')
      return
    }
    // The trust trace: this delivery is a hop of the order's trace (telemetry).
    await withEventSpan(consumedEvent(event), msg.content, queue, async () => {
      const traceId = traceIdOf(event.traceparent)
      let outcome: DeliveryOutcome
      try {
        outcome = await inbox.apply(event)
      } catch (error) {
        audit.logger.error({ err: error, queue }, 'event processing failed, requeued')
        audit.decision({
          traceId,
          boundary: 'TB09',
          caller: event.issuer,
          decision: 'deny',
          reason: 'event.processing_failed',
          tokenId: event.id,
        })
        settler.settle(msg, 'requeue')
        return
      }
      audit.decision({
        traceId,
        boundary: 'TB09',
        caller: event.issuer,
        decision: 'allow',
        reason: outcome,
        tokenId: event.id,
      })
      settler.settle(msg, 'ack')
    })
  }

  await channel.prefetch(prefetch)
  const { consumerTag } = await channel.consume(
    queue,
    (msg) => {
      if (msg === null) return // the broker cancelled the subscription (queue deleted)
      settler.received(msg)
      const work = onMessage(msg).finally(() => inFlight.delete(work))
      inFlight.add(work)
    },
    { noAck: false },
  )
  return {
    async stop() {
      await channel.cancel(consumerTag)
      await Promise.allSettled(inFlight)
      settler.flush()
    },
  }
}
