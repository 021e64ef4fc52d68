/**
 * The W3C trace id an audit record carries, for code that sees raw headers rather than a fastify
 * request (oidc-provider events and grants, plain Node listeners).
 */
import { childTraceparent, parseTraceparent } from '@mythical/audit'

/**
 * The trace id of a `traceparent` header value, or a fresh one when it is missing, repeated or
 * malformed, so a record is never without a trace id.
 *
 * @example
 * ```ts
 * traceIdOf(req.headers.traceparent) // '0af7651916cd43dd8448eb211c80319c'
 * traceIdOf(ctx.get('traceparent'))
 * ```
 */
export function traceIdOf(traceparent: string | readonly string[] | undefined): string {
  // A repeated header is ambiguous: start a fresh trace rather than pick one.
  const parent = typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined
  return (parent ?? childTraceparent().context).traceId
}
