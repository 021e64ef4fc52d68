/**
 * The basics `createService` gives fastify services, for a plain Node request handler such as
 * oidc-provider's `callback()`:
 *
 * - the IdP security headers on every response, probes included (`withSecurityHeaders`, see
 *   oidc-page-headers.ts): HSTS and the strict page CSP that provider-rendered pages inherit;
 * - W3C trace context: continue the caller's `traceparent` (or start a trace), give this hop its
 *   own span id and echo it on the response; the request's header is replaced by the hop's, so
 *   every audit record written further down carries the same trace id as the response;
 * - `GET /healthz`: liveness, always 200 `{ status: 'ok' }`;
 * - `GET /readyz`: readiness, every check passes (200 `{ status: 'ready', checks }`) or 503 problem+json
 *   `ZT_ERR_DEPENDENCY_UNAVAILABLE` naming the failing check — its error goes to the log only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { childTraceparent, parseTraceparent } from '@mythical/audit'
import { PROBLEM_CONTENT_TYPE, toProblemDocument } from '@mythical/problem'
import {
  assertReadinessChecks,
  DEFAULT_READINESS_TIMEOUT_MS,
  readinessProblem,
  runReadinessChecks,
  type ReadinessChecks,
} from './readiness.ts'
import { withSecurityHeaders } from './oidc-page-headers.ts'

/**
 * The `traceparent` each request arrived with, before the hop's replaced it: the IdP's hop span
 * continues the caller's span (see `oidcHopSpan` of `@mythical/telemetry`).
 */
const callerTraceparents = new WeakMap<IncomingMessage, string>()

/** The `traceparent` header `req` arrived with, if it had one. */
export function callerTraceparentOf(req: IncomingMessage): string | undefined {
  return callerTraceparents.get(req)
}

/** A Node request listener (`https.createServer(options, listener)`). */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void

/** Options of {@link withOidcProbes}. */
export interface OidcProbeOptions {
  /** Named readiness checks (lower-case kebab-case), e.g. `{ database: () => checkDatabase(pool) }`. */
  readiness: ReadinessChecks
  timeoutMs?: number
  /** Where a failing check's error goes (the service log); never into the response. */
  onCheckFailed?: (check: string, error: unknown) => void
}

const JSON_TYPE = 'application/json'

/**
 * Wraps `handler` with the security headers, trace context and the health probes.
 *
 * @example
 * ```ts
 * const listener = withOidcProbes(provider.callback(), {
 *   readiness: { database: () => checkDatabase(pool) },
 * })
 * ```
 */
export function withOidcProbes(handler: RequestListener, opts: OidcProbeOptions): RequestListener {
  assertReadinessChecks(opts.readiness)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS

  const ready = async (res: ServerResponse, traceId: string) => {
    const report = await runReadinessChecks(opts.readiness, timeoutMs)
    for (const { check, error } of report.failures) opts.onCheckFailed?.(check, error)
    if (report.ready) {
      res.writeHead(200, { 'content-type': JSON_TYPE })
      res.end(JSON.stringify({ status: 'ready', checks: report.checks }))
      return
    }
    const problem = toProblemDocument(readinessProblem(report), { instance: '/readyz', traceId })
    res.writeHead(problem.status, { 'content-type': PROBLEM_CONTENT_TYPE })
    res.end(JSON.stringify(problem))
  }

  return withSecurityHeaders((req, res) => {
    const header = req.headers.traceparent
    if (typeof header === 'string') callerTraceparents.set(req, header)
    const hop = childTraceparent(typeof header === 'string' ? parseTraceparent(header) : undefined)
    req.headers.traceparent = hop.traceparent
    res.setHeader('traceparent', hop.traceparent)

    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': JSON_TYPE }).end('{"status":"ok"}')
      return
    }
    if (req.method === 'GET' && path === '/readyz') {
      // runReadinessChecks never rejects: every check's failure is caught into the report.
      void ready(res, hop.context.traceId)
      return
    }
    handler(req, res)
  })
}
