import type pg from 'pg'
import { isDatabaseOnlyEffect } from './database-only-effect.ts'
import type { InboxEffect } from './database-only-effect.ts'
import type { VerifiedEvent } from './event.ts'

export type { InboxEffect } from './database-only-effect.ts'

/** What the inbox made of one verified event. */
export type InboxOutcome = 'event.processed' | 'event.duplicate'

/** Applies verified events exactly once each, many per PostgreSQL transaction. */
export interface InboxBatcher {
  /**
   * Resolves once the event's inbox row and effect committed (`event.processed`) or its id was
   * already there (`event.duplicate`); rejects when its effect failed or its batch could not
   * commit — nothing of it committed, the delivery goes back to the queue.
   */
  apply(event: VerifiedEvent): Promise<InboxOutcome>
}

interface Pending {
  readonly event: VerifiedEvent
  readonly resolve: (outcome: InboxOutcome) => void
  readonly reject: (error: unknown) => void
}

type Settled = { outcome: InboxOutcome } | { error: unknown }

/**
 * A savepoint of its own per event, then its inbox row, in a single simple-protocol round trip
 * (which carries no bind parameters, hence pg's own literal quoting). The savepoint comes first so
 * that a failing insert or effect rolls back that event's inbox row with it: the event is retried
 * later rather than marked processed, and the inbox table needs no DELETE grant. Savepoints are
 * named per position and never released: rolling back to a savepoint that an earlier failure
 * kept from existing fails the whole batch instead of silently undoing a neighbour.
 */
const savepointAndInsert = (db: pg.PoolClient, id: string, position: number): string =>
  `${position === 0 ? 'BEGIN; ' : ''}SAVEPOINT event_${position};
   INSERT INTO inbox (message_id) VALUES (${db.escapeLiteral(id)}) ON CONFLICT (message_id) DO NOTHING`

/**
 * The whole batch's inbox rows in one statement, opening the transaction in the same round trip;
 * `RETURNING` names the ids that were new (a copy already there, or earlier in the same batch,
 * inserts nothing).
 */
const beginAndClaim = (db: pg.PoolClient, ids: readonly string[]): string =>
  `BEGIN; INSERT INTO inbox (message_id)
   SELECT unnest(ARRAY[${ids.map((id) => db.escapeLiteral(id)).join(', ')}]::text[])
   ON CONFLICT (message_id) DO NOTHING RETURNING message_id`

/** The result of the last statement of a multi-statement query. */
const lastOf = (result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult =>
  Array.isArray(result) ? (result.at(-1) as pg.QueryResult) : result

/**
 * Transactions of one consumer at a time: one batch commits while the next is applied, so neither
 * the database round trips nor a slow effect (payments-api's vault call) serialize everything.
 */
const CONCURRENT_BATCHES = 2

/**
 * Group commit for a consumer's inbox: events opened while the batches in hand are applied wait,
 * then go together (at most `limit`, the consumer's prefetch) in one transaction.
 *
 * An effect declared {@link databaseOnlyEffect} is applied batch-wise first: `BEGIN` and one
 * multi-row inbox insert in one round trip, the effects of the new ids, `COMMIT` — two round trips
 * per batch. If anything in it fails (an id the inbox refuses, an effect throwing), the
 * transaction is rolled back, which undoes those effects entirely, and the batch is replayed event
 * by event as below, so the poison event fails alone. Any other effect goes event by event
 * straight away (an effect reaching outside the database must never run twice):
 *
 * | per event                                  | outcome                                   |
 * | ------------------------------------------ | ----------------------------------------- |
 * | savepoint; inbox row inserted; effect ran  | `event.processed` once the batch commits  |
 * | id already in the inbox (or earlier in the | `event.duplicate`, no effect              |
 * | same batch): insert did nothing            |                                           |
 * | inbox insert or effect threw               | rolled back to its savepoint (its inbox   |
 * |                                            | row too); rejected, the others go on      |
 *
 * The inbox insert precedes the effect, so a concurrent copy of the same event (a relay that
 * re-published) waits on that row's lock and then finds it: the effect runs once even when it
 * reaches outside the database. A batch that cannot commit (connection lost, crash) commits
 * nothing: every event in it is rejected, and its deliveries come back.
 */
export function createInboxBatcher(
  pool: pg.Pool,
  effect: InboxEffect,
  limit: number,
): InboxBatcher {
  const waiting: Pending[] = []
  let running = 0
  let scheduled = false

  const together = isDatabaseOnlyEffect(effect)

  /** The batch-wise path; `undefined` when it rolled back (the batch is then replayed one by one). */
  async function applyTogether(
    batch: readonly Pending[],
  ): Promise<Map<Pending, Settled> | undefined> {
    const db = await pool.connect()
    let broken: Error | undefined
    try {
      const claimed = await db.query<{ message_id: string }>(
        beginAndClaim(
          db,
          batch.map((pending) => pending.event.id),
        ),
      )
      const fresh = new Set(lastOf(claimed).rows.map((row) => row.message_id))
      const settled = new Map<Pending, Settled>()
      for (const pending of batch) {
        // `delete`: a second copy of the same id in this batch is a duplicate of the first.
        if (!fresh.delete(pending.event.id)) {
          settled.set(pending, { outcome: 'event.duplicate' })
          continue
        }
        await effect(pending.event, db)
        settled.set(pending, { outcome: 'event.processed' })
      }
      const { command } = await db.query('COMMIT')
      if (command !== 'COMMIT') throw new Error(`inbox batch not committed (${command})`)
      return settled
    } catch {
      await db.query('ROLLBACK').catch((error: unknown) => {
        broken = error instanceof Error ? error : new Error('ROLLBACK failed')
      })
      return undefined
    } finally {
      db.release(broken)
    }
  }

  async function applyOneByOne(batch: readonly Pending[]): Promise<Map<Pending, Settled>> {
    const settled = new Map<Pending, Settled>()
    const db = await pool.connect()
    let broken: unknown
    try {
      for (const [position, pending] of batch.entries()) {
        try {
          const inserted = await db.query(savepointAndInsert(db, pending.event.id, position))
          if (lastOf(inserted).rowCount === 0) {
            settled.set(pending, { outcome: 'event.duplicate' })
            continue
          }
          await effect(pending.event, db)
          settled.set(pending, { outcome: 'event.processed' })
        } catch (error) {
          // Fails in turn when the connection is gone: the whole batch then fails below.
          await db.query(`ROLLBACK TO SAVEPOINT event_${position}`)
          settled.set(pending, { error })
        }
      }
      // COMMIT of a transaction an effect left aborted answers ROLLBACK rather than failing.
      const { command } = await db.query('COMMIT')
      if (command !== 'COMMIT') throw new Error(`inbox batch not committed (${command})`)
      return settled
    } catch (error) {
      broken = error
      await db.query('ROLLBACK').catch(() => {})
      return new Map(batch.map((pending) => [pending, { error }]))
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      db.release(broken instanceof Error ? broken : undefined)
    }
  }

  const applyBatch = async (batch: readonly Pending[]): Promise<Map<Pending, Settled>> =>
    (together ? await applyTogether(batch) : undefined) ?? applyOneByOne(batch)

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, limit)
      const settled = await applyBatch(batch).catch(
        (error: unknown) => new Map(batch.map((pending) => [pending, { error }])),
      )
      for (const [pending, result] of settled) {
        if ('outcome' in result) pending.resolve(result.outcome)
        else pending.reject(result.error)
      }
    }
  }

  /** Starts a batch on the next turn (so deliveries opened in this one join it), if one is free. */
  function schedule(): void {
    if (scheduled || running >= CONCURRENT_BATCHES) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      running++
      void drain().finally(() => {
        running--
        if (waiting.length > 0) schedule()
      })
      if (waiting.length > 0) schedule() // more than one batch's worth was waiting
    })
  }

  return {
    apply(event) {
      return new Promise<InboxOutcome>((resolve, reject) => {
        waiting.push({ event, resolve, reject })
        schedule()
      })
    },
  }
}
