/**
 * payments-api's settlement loop: pending payments (recorded by the `order.placed` consumer,
 * `record-pending-payment.ts`) are claimed from `settlement_queue`, detokenized at the vault
 * (TB07: mTLS with the cardvault certificate, nested JWS+JWE request, signed answer encrypted to
 * payments-api) and charged at the acquirer — with no database transaction open while either is
 * called — then marked `settled` or `declined` in one short transaction.
 *
 * Fail closed: without the vault nothing is settled. A failed vault call leaves the payment
 * pending and its queue row due again after a back-off that doubles per attempt up to a cap, and
 * ends the pass (the vault is down for the rest of the batch too): no hot loop, nothing lost, no
 * transaction or broker delivery held. The card number lives in this module's memory for the
 * acquirer call only.
 *
 * Charged once, even when a lease runs out: each claim's lease is renewed right before its vault
 * call and charge, only if the row still carries the claim's token (fencing, `holdClaim`) — a
 * worker whose claim another worker took over charges nothing; and the charge carries the order id
 * as the acquirer's idempotency key, so a worker that stalls past its lease mid-charge, while
 * another charges the same order, gets the first outcome back instead of a second charge.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { childTraceparent, parseTraceparent, type AuditLogger } from '@mythical/audit'
import type { CardVaultClient } from '@mythical/cardvault-client'
import type { Acquirer } from './acquirer.ts'
import { auditSettlement, SETTLEMENT_REASONS } from './settlement-audit.ts'
import {
  claimDueSettlements,
  dropSettlement,
  holdClaim,
  pendingPaymentOf,
  recordOutcome,
  type SettlementClaim,
} from './settlement-queue.ts'

/** Payments claimed per pass. */
export const SETTLEMENT_BATCH = 10
/**
 * How long a claimed payment stays with its worker, from its claim and again from right before its
 * charge: well above one vault call (5 s for the answer after connecting, 10 s to connect), so a
 * live worker is not overtaken by another.
 */
export const SETTLEMENT_LEASE_MS = 60_000
/** Pause of the loop when nothing is due. */
export const IDLE_PAUSE_MS = 1_000
/** Back-off after the first failed vault call, doubled per attempt up to {@link MAX_RETRY_DELAY_MS}. */
export const FIRST_RETRY_DELAY_MS = 1_000
export const MAX_RETRY_DELAY_MS = 30_000

/** Back-off after `attempts` failed attempts: 1 s, 2 s, 4 s, … capped at 30 s. */
export function retryDelayMs(
  attempts: number,
  first = FIRST_RETRY_DELAY_MS,
  max = MAX_RETRY_DELAY_MS,
): number {
  return Math.min(max, first * 2 ** Math.max(0, attempts - 1))
}

export interface SettlementOptions {
  readonly pool: pg.Pool
  readonly vault: Pick<CardVaultClient, 'detokenize'>
  readonly acquirer: Acquirer
  readonly audit: AuditLogger
  /** Workload id of the vault, the `audience` of the audit records. */
  readonly vaultId: string
  readonly batchSize?: number
  readonly leaseMs?: number
  /** Back-off of the first failed attempt (doubled per attempt, capped at {@link MAX_RETRY_DELAY_MS}). */
  readonly firstRetryDelayMs?: number
}

/** What one pass did with the payments it claimed. */
export interface SettlementPass {
  readonly claimed: number
  readonly settled: number
  readonly declined: number
  readonly deferred: number
  /** Claims another worker took over after this one's lease ran out: not charged, not written. */
  readonly lost: number
}

type ClaimResult = 'settled' | 'declined' | 'deferred' | 'dropped' | 'lost'

/** A claim this worker no longer holds: logged, left to the worker that does. */
function lostClaim(options: SettlementOptions, claim: SettlementClaim): 'lost' {
  options.audit.logger.warn(
    { orderId: claim.orderId, attempts: claim.attempts },
    'settlement claim no longer held (its lease ran out, another worker took it): not charged here',
  )
  return 'lost'
}

/** Defers a claim by its back-off, if this worker still holds it. */
async function deferClaim(
  options: SettlementOptions,
  claim: SettlementClaim,
  delayMs = retryDelayMs(claim.attempts, options.firstRetryDelayMs),
): Promise<'deferred' | 'lost'> {
  return (await holdClaim(options.pool, claim, delayMs)) ? 'deferred' : lostClaim(options, claim)
}

async function settleClaim(
  options: SettlementOptions,
  claim: SettlementClaim,
): Promise<ClaimResult> {
  const { pool, audit } = options
  // Renewed per claim: a batch is settled one claim after another, and a lease taken when the
  // batch was claimed could run out before its last claim is charged.
  if (!(await holdClaim(pool, claim, options.leaseMs ?? SETTLEMENT_LEASE_MS))) {
    return lostClaim(options, claim)
  }
  const payment = await pendingPaymentOf(pool, claim)
  if (payment?.status !== 'pending') {
    await dropSettlement(pool, claim)
    return 'dropped'
  }
  const vaultCall = childTraceparent(parseTraceparent(claim.traceparent))
  let outcome: ReturnType<Acquirer>
  try {
    const card = await options.vault.detokenize(payment.cardToken, vaultCall.traceparent)
    outcome = options.acquirer({
      idempotencyKey: claim.orderId,
      card,
      amountCents: payment.amountCents,
      currency: payment.currency,
    })
  } catch (error) {
    const delayMs = retryDelayMs(claim.attempts, options.firstRetryDelayMs)
    audit.logger.warn(
      {
        orderId: claim.orderId,
        attempts: claim.attempts,
        retryInMs: delayMs,
        code: (error as { code?: unknown }).code,
      },
      'card vault call failed: the payment stays pending',
    )
    return deferClaim(options, claim, delayMs)
  }
  if (!(await recordOutcome(pool, claim, outcome))) return 'dropped'
  auditSettlement(audit, {
    traceId: vaultCall.context.traceId,
    vaultId: options.vaultId,
    customer: claim.customer,
    eventId: claim.eventId,
    reason: outcome.status === 'settled' ? SETTLEMENT_REASONS.settled : SETTLEMENT_REASONS.declined,
  })
  return outcome.status
}

/**
 * One pass: claims the due payments and settles them one after the other. After a failed vault
 * call the rest of the batch is deferred with it.
 *
 * @example
 * ```ts
 * const pass = await settleDuePayments({ pool, vault, acquirer, audit, vaultId })
 * ```
 */
export async function settleDuePayments(options: SettlementOptions): Promise<SettlementPass> {
  const claims = await claimDueSettlements(
    options.pool,
    options.batchSize ?? SETTLEMENT_BATCH,
    options.leaseMs ?? SETTLEMENT_LEASE_MS,
  )
  const counts = { settled: 0, declined: 0, deferred: 0, lost: 0 }
  for (const [index, claim] of claims.entries()) {
    const result = await settleClaim(options, claim)
    if (result === 'dropped') continue
    counts[result] += 1
    if (result === 'deferred') {
      for (const rest of claims.slice(index + 1)) counts[await deferClaim(options, rest)] += 1
      break
    }
  }
  return { claimed: claims.length, ...counts }
}

export interface SettlementLoop {
  stop(): Promise<void>
}

/**
 * Runs passes until stopped, pausing {@link IDLE_PAUSE_MS} whenever a pass claims nothing or
 * the database fails (logged, retried).
 *
 * @example
 * ```ts
 * const loop = startSettlementLoop({ pool, vault, acquirer: simulatedAcquirer(), audit, vaultId })
 * ```
 */
export function startSettlementLoop(
  options: SettlementOptions & { readonly idlePauseMs?: number },
): SettlementLoop {
  const controller = new AbortController()
  const pause = () =>
    sleep(options.idlePauseMs ?? IDLE_PAUSE_MS, undefined, { signal: controller.signal }).catch(
      () => {},
    )
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const pass = await settleDuePayments(options)
        if (pass.claimed === 0) await pause()
      } catch (error) {
        options.audit.logger.warn(
          { code: (error as { code?: unknown }).code },
          'settlement pass failed: retrying',
        )
        await pause()
      }
    }
  })()
  return {
    async stop() {
      controller.abort()
      await loop
    },
  }
}
