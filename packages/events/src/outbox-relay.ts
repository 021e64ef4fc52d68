import type { ConfirmChannel, Message } from 'amqplib'
import type pg from 'pg'
import { startPublishSpan, type PublishSpan } from '@mythical/telemetry'
import { EventNotConfirmed } from './errors.ts'
import type { BusinessEvent } from './event.ts'

/** Default rows per relay batch: one transaction, one wait for the broker's confirms. */
export const DEFAULT_RELAY_BATCH = 100

export interface OutboxRelayOptions {
  /** The publisher's own database, holding the `outbox` table. */
  readonly pool: pg.Pool
  /** A confirm channel of the publisher's own broker connection. */
  readonly channel: ConfirmChannel
  readonly exchange: string
  /** `createEventSealer(...)` of the publisher. */
  readonly seal: (event: BusinessEvent) => Promise<Buffer>
  /** The publisher's workload id, named on each event's PRODUCER span. */
  readonly publisher: string
  readonly batchSize?: number
}

interface OutboxRow {
  id: string
  event_id: string
  event_type: string
  payload: Record<string, unknown>
}

const TRACE_ID = /^[0-9a-f]{32}$/

/**
 * The outbox payload carries the placing request's W3C trace id; the event continues that trace
 * under its PRODUCER span (`traceparent` claim, inside the signature), so every consumer's span
 * and records join the order's trace with a parent that exists.
 */
function eventOf(row: OutboxRow, publisher: string): { event: BusinessEvent; span?: PublishSpan } {
  const { traceId, customer } = row.payload
  const base = { id: row.event_id, type: row.event_type, data: row.payload }
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) return { event: base }
  const span = startPublishSpan({
    type: row.event_type,
    traceId,
    publisher,
    ...(typeof customer === 'string' ? { subject: customer } : {}),
  })
  return { event: { ...base, traceparent: span.traceparent }, span }
}

function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  event: BusinessEvent,
  body: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(
      exchange,
      event.type,
      body,
      {
        persistent: true,
        mandatory: true,
        messageId: event.id,
        type: event.type,
        contentType: 'application/json',
        timestamp: Math.floor(Date.now() / 1000),
      },
      (err) => {
        if (err) reject(new EventNotConfirmed(`event ${event.id} was nacked by the broker`))
        else resolve()
      },
    )
  })
}

/**
 * The transactional outbox's relay. One batch: lock the oldest unpublished rows
 * (`FOR UPDATE SKIP LOCKED`, so several relays never publish the same row concurrently), seal each
 * event, publish persistent + mandatory with message id = event id, wait for every publisher
 * confirm, then stamp `published_at` and commit. Anything short of "confirmed and routed" rolls
 * the batch back and it is published again later: a crash between publish and mark re-publishes,
 * and the subscribers' inboxes absorb the duplicate.
 *
 * @throws {EventNotConfirmed} a publication was nacked or returned unroutable.
 *
 * @example
 * ```ts
 * const relay = createOutboxRelay({ pool, channel: await conn.createConfirmChannel(), exchange: 'orders', seal })
 * await relay.publishPending()
 * ```
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { pool, channel, exchange, seal, publisher } = options
  const batchSize = options.batchSize ?? DEFAULT_RELAY_BATCH
  const returned = new Set<string>()
  // `mandatory`: the broker hands back a message no queue is bound for (before its confirm).
  channel.on('return', (msg: Message) => {
    const id: unknown = msg.properties.messageId
    if (typeof id === 'string') returned.add(id)
  })

  /** Publishes one batch; returns how many events it published (0: nothing pending). */
  async function publishPending(): Promise<number> {
    const db = await pool.connect()
    try {
      await db.query('BEGIN')
      const { rows } = await db.query<OutboxRow>(
        `SELECT id, event_id, event_type, payload FROM outbox
          WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      )
      const published = rows.map((row) => eventOf(row, publisher))
      const events = published.map((p) => p.event)
      try {
        const bodies = await Promise.all(events.map(seal))
        await Promise.all(
          events.map((event, i) => publishConfirmed(channel, exchange, event, bodies[i] as Buffer)),
        )
        const unroutable = events.filter((e) => returned.delete(e.id))
        if (unroutable.length > 0) {
          throw new EventNotConfirmed(`${unroutable.length} event(s) reached no queue (unroutable)`)
        }
        published.forEach((p, i) => p.span?.end({ body: bodies[i] as Buffer }))
      } catch (error) {
        const failed = error instanceof Error ? error.message : 'not published'
        for (const p of published) p.span?.end({ failed })
        throw error
      }
      if (rows.length > 0) {
        await db.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
          rows.map((r) => r.id),
        ])
      }
      await db.query('COMMIT')
      return rows.length
    } catch (error) {
      await db.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      db.release()
    }
  }

  return { publishPending }
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>
