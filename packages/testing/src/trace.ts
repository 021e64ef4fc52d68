/**
 * A fresh W3C trace context per request, so a test can find the audit records of exactly that
 * request: "the record of *this* trace has reason R" cannot match a record an earlier test left.
 */
import { randomBytes } from 'node:crypto'

/** A fresh trace: the header to send and the id to look the records up by. */
export interface Trace {
  readonly traceId: string
  /** `{ traceparent }`, ready to spread into request headers. */
  readonly headers: { traceparent: string }
}

/** A new, random W3C trace context (version 00, sampled). */
export function newTrace(): Trace {
  const traceId = randomBytes(16).toString('hex')
  const parentId = randomBytes(8).toString('hex')
  return { traceId, headers: { traceparent: `00-${traceId}-${parentId}-01` } }
}
