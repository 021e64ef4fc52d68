/**
 * `@mythical/audit`: one structured, redacted record per trust decision, and W3C trace context
 * propagation so the records of one request line up across hops.
 *
 * @module
 */
export { createAuditLogger } from './audit-logger.ts'
export type { AuditLogger, AuditLoggerOptions } from './audit-logger.ts'
export { assertAuditRecord } from './audit-record.ts'
export type { ActorChain, AuditRecord, Decision, WrittenAuditRecord } from './audit-record.ts'
export {
  childTraceparent,
  currentTraceContext,
  parseTraceparent,
  runWithTraceContext,
} from './trace-context.ts'
export type { TraceContext } from './trace-context.ts'
export { CALL_FAILED_EVENT, startCallToTracedServer, startClientSpan } from './client-span.ts'
export type { ClientCall, ClientSpan } from './client-span.ts'
export { isSensitiveKey, maskLine, maskText, maskValue, REDACTED } from './mask-sensitive.ts'
export { isLuhnValid } from './luhn.ts'
export { describeError } from './describe-error.ts'
export type { ErrorSummary } from './describe-error.ts'
export {
  actorChainText,
  decisionEventAttributes,
  DECISION_EVENT,
  forgetHopSpan,
  recordDecisionOnActiveSpan,
  rememberHopSpan,
  TRUST_ATTRIBUTES,
} from './decision-span-event.ts'
