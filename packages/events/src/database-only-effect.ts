import type pg from 'pg'
import type { VerifiedEvent } from './event.ts'

/** The effect of one event, run inside the inbox transaction. */
export type InboxEffect = (event: VerifiedEvent, db: pg.PoolClient) => Promise<void>

const databaseOnly = new WeakSet<InboxEffect>()

/**
 * Declares that `effect` writes nothing but through the `db` it is given: rolling its transaction
 * back undoes all of it, so the inbox may run it again after a rollback. The inbox then applies a
 * batch of such events in one statement and no savepoints ({@link createInboxBatcher}). An effect
 * that reaches outside the database (a vault or acquirer call) must not be declared: it keeps a
 * savepoint per event so it never runs twice for one event. Returns `effect` itself, so
 * `handle(event, db)` stays as it was.
 *
 * @example
 * ```ts
 * export const earnLoyaltyPoints = databaseOnlyEffect(async (event, db) => { … })
 * ```
 */
export function databaseOnlyEffect<E extends InboxEffect>(effect: E): E {
  databaseOnly.add(effect)
  return effect
}

/** Whether `effect` was declared with {@link databaseOnlyEffect}. */
export const isDatabaseOnlyEffect = (effect: InboxEffect): boolean => databaseOnly.has(effect)
