import type { Check } from '../gateway-context.ts'

/**
 * Headers that claim who the caller is, where it came from or what was verified — only the
 * gateway may say that, so whatever a client sends is removed (and named in the audit record).
 * Forwarding uses an allow list as well (see forward.ts); this step makes the attempt visible.
 * `traceparent` is kept: it is correlation, never identity; the gateway continues the trace
 * with its own span and every record still names the gateway's decision.
 */
const SPOOFABLE = [
  /^x-forwarded-/,
  /^forwarded$/,
  /^x-real-ip$/,
  /^x-client-/,
  /^x-user/,
  /^x-subject/,
  /^x-spiffe/,
  /^x-peer/,
  /^x-ssl-/,
  /^x-auth/,
  /^x-identity/,
  /^x-scope/,
  /^x-act/,
  /^x-roles?$/,
  /^x-groups?$/,
  /^x-original-/,
  /^x-gateway-/,
  /^tracestate$/,
  /^baggage$/,
]

export const stripSpoofableHeaders: Check = (ctx) => {
  const headers = ctx.request.headers
  for (const name of Object.keys(headers)) {
    if (SPOOFABLE.some((pattern) => pattern.test(name))) {
      ctx.strippedHeaders.push(name)
      delete headers[name]
    }
  }
  return undefined
}
