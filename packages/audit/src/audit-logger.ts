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

/** The outcome of a trust decision. */
export type Decision = 'allow' | 'deny'

/** One trust decision: who asked, across which boundary, what was decided and why. */
export interface AuditRecord {
  /** W3C trace id of the request or message. */
  traceId: string
  /** Trust boundary id from SCENARIO.md, e.g. `TB04`. */
  boundary?: string
  /** Workload id of the peer, e.g. `spiffe://retail.mythical.example/gateway`. */
  caller?: string
  /** The end user (`sub`) the call is made for, if any. */
  subject?: string
  decision: Decision
  /** Stable, dotted lower-case reason code, e.g. `mtls.peer_not_allowed`. */
  reason: string
  [k: string]: unknown
}

/** {@link createAuditLogger}'s result: decisions plus the (equally redacted) general logger. */
export interface AuditLogger {
  /**
   * Writes one audit record. Throws a `TypeError` if `decision`, `reason` or `traceId` has the
   * wrong type; a `reason` that is not a dotted lower-case code is written as
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
/** Members the logger owns; a record cannot forge them. */
const RESERVED = ['audit', 'service', 'time', 'level', 'msg'] as const

/** Written instead of a reason that is not a dotted lower-case code (the original is kept). */
const INVALID_REASON = 'audit.invalid_reason'

/**
 * Type errors in a record are programming errors and throw. A badly formatted `reason` does not:
 * reasons are sometimes derived from request data (an OAuth `error`, a grant type), and an
 * audit call must never turn a refusal into a crash or lose the record.
 */
function assertRecord(record: AuditRecord): void {
  if (record.decision !== 'allow' && record.decision !== 'deny') {
    throw new TypeError('"decision" must be "allow" or "deny"')
  }
  if (typeof record.reason !== 'string' || record.reason === '') {
    throw new TypeError('"reason" must be a non-empty string')
  }
  if (typeof record.traceId !== 'string' || record.traceId === '') {
    throw new TypeError('"traceId" must be a non-empty string')
  }
}

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
      assertRecord(record)
      const fields: Record<string, unknown> = { ...record }
      for (const key of RESERVED) delete fields[key]
      if (!REASON.test(record.reason)) {
        fields.reason = INVALID_REASON
        fields.invalidReason = record.reason
      }
      auditWriter.info({ ...fields, audit: true }, `${record.decision} ${String(fields.reason)}`)
    },
  }
}
