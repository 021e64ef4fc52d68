/**
 * The audit logger: pino JSON lines, one record per trust decision, redacted twice (pino paths,
 * then content masking) so that no token, password or card number reaches a log.
 *
 * @module
 */
import { pino } from 'pino'
import type { DestinationStream, Logger } from 'pino'
import { maskLine, maskRecord } from './mask-sensitive.ts'
import { describeError } from './describe-error.ts'
import { REDACT_PATHS } from './redact-paths.ts'
import { assertAuditRecord } from './audit-record.ts'
import { recordDecisionOnActiveSpan } from './decision-span-event.ts'
import type { AuditRecord } from './audit-record.ts'

/** {@link createAuditLogger}'s result: decisions plus the (equally redacted) general logger. */
export interface AuditLogger {
  /**
   * Writes one audit record. Throws a `TypeError` if a member has the wrong type or is not a
   * field of {@link AuditRecord}; a `reason` that is not a dotted lower-case code is written as
   * `audit.invalid_reason` with the given value in `invalidReason`.
   */
  decision(record: AuditRecord): void
  /** The service's pino logger: hand it to fastify as `loggerInstance`. */
  readonly logger: Logger
}

/** Options of {@link createAuditLogger}. */
export interface AuditLoggerOptions {
  /** Service name, written on every line as `service`. */
  service: string
  /** pino level for ordinary logs, default `info`. Decisions are written unless `silent`. */
  level?: string
  /** Where lines go, default stdout. Tests pass a capturing stream. */
  destination?: DestinationStream
}

const REASON = /^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/

/**
 * Written instead of a reason that is not a dotted lower-case code (the original is kept in
 * `invalidReason`). Reasons are sometimes derived from request data (an OAuth `error`, a grant
 * type), and an audit call must never turn a refusal into a crash or lose the record.
 */
const INVALID_REASON = 'audit.invalid_reason'

/**
 * Creates the service's logger and its audit writer.
 *
 * @example
 * ```ts
 * const audit = createAuditLogger({ service: 'orders-api', level: config.LOG_LEVEL })
 * audit.decision({ traceId, boundary: 'TB06', caller, decision: 'deny', reason: 'token.wrong_audience' })
 * ```
 */
export function createAuditLogger(options: AuditLoggerOptions): AuditLogger {
  if (typeof options.service !== 'string' || options.service === '') {
    throw new TypeError('"service" option must be a non-empty string')
  }
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Sensitive keys at any depth and card numbers given as numbers, before serialization.
        log: (object) => maskRecord(object),
      },
      // `log.error({ err })` anywhere (fastify, our services, libraries) records the error's class
      // names and codes only: messages and stacks are where secrets and card numbers leak.
      serializers: { err: describeError, error: describeError },
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      // Last line of defence: text produced by serializers (fastify's `req.url`, error messages
      // and stacks, the message itself) is only known once the line is written.
      hooks: { streamWrite: maskLine },
    },
    options.destination ?? pino.destination(1),
  )
  // Decisions go through a child with its own level: an operator turning the service's level
  // down to `warn` must not lose the audit trail; only `silent` (tests) does.
  const auditWriter = logger.child({}, { level: logger.level === 'silent' ? 'silent' : 'info' })
  return {
    logger,
    decision(record) {
      assertAuditRecord(record)
      const fields: Record<string, unknown> = Object.fromEntries(
        Object.entries(record).filter(([, value]) => value !== undefined),
      )
      if (!REASON.test(record.reason)) {
        fields.reason = INVALID_REASON
        fields.invalidReason = record.reason
      }
      auditWriter.info({ ...fields, audit: true }, `${record.decision} ${String(fields.reason)}`)
      recordDecisionOnActiveSpan({ ...record, reason: String(fields.reason) })
    },
  }
}
