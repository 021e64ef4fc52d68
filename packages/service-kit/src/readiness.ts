/**
 * Readiness checks shared by the fastify and express kits:
 * - every check runs in parallel under one time budget, so a hung dependency cannot hang the probe
 * - the report names failing checks but keeps their errors for the log only: a driver message can
 *   carry host names, user names or SQL that the caller has no business seeing
 */
import { ServiceUnavailable, type ProblemError } from '@mythical/problem'

/** Named checks; each resolves when its dependency is usable and rejects otherwise. */
export type ReadinessChecks = Record<string, () => Promise<void>>

/** Budget for all readiness checks together (ms); a probe answers well within typical timeouts. */
export const DEFAULT_READINESS_TIMEOUT_MS = 2500

const CHECK_NAME = /^[a-z][a-z0-9-]*$/

/** Outcome of one readiness probe. */
export interface ReadinessReport {
  ready: boolean
  checks: Record<string, 'ok' | 'failed'>
  /** Errors of the failing checks, for the service log. */
  failures: { check: string; error: unknown }[]
}

/**
 * Throws a `TypeError` at boot for a check name that would be unreadable in a problem document.
 *
 * @example
 * ```ts
 * assertReadinessChecks({ database: () => checkDatabase(pool) })
 * ```
 */
export function assertReadinessChecks(checks: ReadinessChecks): void {
  for (const [name, check] of Object.entries(checks)) {
    if (!CHECK_NAME.test(name)) {
      throw new TypeError(`"readiness" option: check name "${name}" must be lower-case kebab-case`)
    }
    if (typeof check !== 'function') {
      throw new TypeError(`"readiness.${name}" option must be a function`)
    }
  }
}

class CheckTimedOut extends Error {
  constructor(timeoutMs: number) {
    super(`readiness check did not finish within ${timeoutMs} ms`)
    this.name = 'CheckTimedOut'
  }
}

async function runOne(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimedOut(timeoutMs)), timeoutMs)
  })
  try {
    await Promise.race([check(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs every check and reports which passed.
 *
 * @example
 * ```ts
 * const report = await runReadinessChecks({ database: () => checkDatabase(pool) })
 * if (!report.ready) throw readinessProblem(report)
 * ```
 */
export async function runReadinessChecks(
  checks: ReadinessChecks,
  timeoutMs: number = DEFAULT_READINESS_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const names = Object.keys(checks)
  const results = await Promise.allSettled(
    names.map((name) => runOne(checks[name] as () => Promise<void>, timeoutMs)),
  )
  const report: ReadinessReport = { ready: true, checks: {}, failures: [] }
  results.forEach((result, i) => {
    const check = names[i] as string
    if (result.status === 'fulfilled') {
      report.checks[check] = 'ok'
    } else {
      report.ready = false
      report.checks[check] = 'failed'
      report.failures.push({ check, error: result.reason })
    }
  })
  return report
}

/**
 * The 503 `ZT_ERR_DEPENDENCY_UNAVAILABLE` problem for a failed report: it names the failing
 * checks and lists every check's state, never an error message.
 *
 * @example
 * ```ts
 * readinessProblem(report).detail // 'readiness check "database" failed'
 * ```
 */
export function readinessProblem(report: ReadinessReport): ProblemError {
  const failed = report.failures.map((f) => `"${f.check}"`).join(', ')
  const noun = report.failures.length === 1 ? 'check' : 'checks'
  return new ServiceUnavailable(`readiness ${noun} ${failed} failed`, {
    extensions: { checks: report.checks },
  })
}
