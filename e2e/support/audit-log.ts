/**
 * The audit trail of the running stack, as an operator reads it: the JSON lines a detached
 * service writes to `.stack/logs/<service>.log`. A record is bound to the one request that caused
 * it by the `traceId` the refusal's problem document names, so a record left by an earlier test
 * can never satisfy an assertion about this one.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stackPaths } from '@mythical/stack'

const paths = stackPaths()

/** One audit line as written: the record plus the logger's own members (`time`, `service`). */
export interface LoggedDecision {
  readonly traceId: string
  readonly decision: 'allow' | 'deny'
  readonly reason: string
  readonly time: string
  readonly [member: string]: unknown
}

/** How long a record may take to reach the log file after the response was sent. */
const WRITE_DELAY_MS = 2_000
const POLL_MS = 50

function readLoggedDecisions(service: string): LoggedDecision[] {
  const records: LoggedDecision[] = []
  const text = readFileSync(join(paths.logs, `${service}.log`), 'utf8')
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const entry = JSON.parse(line) as Record<string, unknown>
      if (entry.audit === true) records.push(entry as unknown as LoggedDecision)
    } catch {
      // a line torn by a concurrent write: the next poll reads it whole
    }
  }
  return records
}

/**
 * The audit records `service` wrote for `traceId`, waiting until `complete` holds for them — by
 * default, until at least one is there — or the write delay has passed. One request can leave
 * several records written in either order (the IdP audits a replayed code as a refused grant and
 * as a revoked one), so a caller waiting for a given record says so.
 */
export async function auditRecordsOf(
  traceId: string,
  service = 'gateway',
  complete: (records: readonly LoggedDecision[]) => boolean = (records) => records.length > 0,
): Promise<LoggedDecision[]> {
  const deadline = Date.now() + WRITE_DELAY_MS
  for (;;) {
    const found = readLoggedDecisions(service).filter((record) => record.traceId === traceId)
    if (complete(found) || Date.now() >= deadline) return found
    await sleep(POLL_MS)
  }
}

/** Every record `service` has written so far (for counting what a burst produced). */
export function allAuditRecords(service = 'gateway'): LoggedDecision[] {
  return readLoggedDecisions(service)
}

/** A `complete` test for {@link auditRecordsOf}: a `decision` record with `reason` is there. */
export const hasDecision =
  (decision: LoggedDecision['decision'], reason: string) => (records: readonly LoggedDecision[]) =>
    records.some((record) => record.decision === decision && record.reason === reason)
