/**
 * The express counterpart of `createService`, for the other companies' services (cardvault and
 * the shipping partner run express). It installs, in the order a request travels:
 *
 * 1. `req.traceContext` + `traceparent` echo; the rest of the request runs in that trace context
 * 2. `req.peerId` from the mTLS socket
 * 3. `/healthz` and `/readyz`
 * 4. the service's own routes
 * 5. 404 and the problem+json error handler (after every route, arity 4)
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { expressNotFoundHandler, expressProblemHandler } from '@mythical/problem'
import type { Express, RequestHandler } from 'express'
import {
  assertReadinessChecks,
  DEFAULT_READINESS_TIMEOUT_MS,
  readinessProblem,
  runReadinessChecks,
  type ReadinessChecks,
} from '../readiness.ts'
import { allowCallers } from './allow-callers.ts'
import { expressPeerIdentity, expressTraceparent } from './request-context.ts'

/** Options of {@link expressServiceBasics}. */
export interface ExpressServiceOptions {
  /** Manifest name of the service, e.g. `tokenization-api`. */
  name: string
  /** pino level, default `info` (ignored when `audit` is given). */
  logLevel?: string
  /** Dependency checks for `/readyz`. */
  readiness?: ReadinessChecks
  /** Audit logger to use; default is a new one for `name`. */
  audit?: AuditLogger
}

/** What the routes callback gets to build allow-listed, audited routes. */
export interface ExpressServiceKit {
  audit: AuditLogger
  /** Allow-list middleware, see {@link allowCallers}. */
  allowCallers(callers: readonly string[]): RequestHandler
}

/**
 * Installs the basics around the routes that `routes` adds.
 *
 * @example
 * ```ts
 * const app = express()
 * expressServiceBasics(app, { name: 'tokenization-api' }, (app, kit) => {
 *   app.post('/tokens', kit.allowCallers([fulfillmentId]), tokenize)
 * })
 * await runExpressService(app, identity, { host, port, exposure: 'internal' })
 * ```
 */
export function expressServiceBasics(
  app: Express,
  opts: ExpressServiceOptions,
  routes?: (app: Express, kit: ExpressServiceKit) => void,
): ExpressServiceKit {
  const readiness = opts.readiness ?? {}
  assertReadinessChecks(readiness)
  const audit =
    opts.audit ??
    createAuditLogger({ service: opts.name, ...(opts.logLevel ? { level: opts.logLevel } : {}) })
  const kit: ExpressServiceKit = {
    audit,
    allowCallers: (callers) => allowCallers(audit, callers),
  }

  // Express would otherwise announce itself in every response.
  app.disable('x-powered-by')
  app.use(expressTraceparent())
  app.use(expressPeerIdentity())

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  app.get('/readyz', async (req, res) => {
    const report = await runReadinessChecks(readiness, DEFAULT_READINESS_TIMEOUT_MS)
    for (const { check, error } of report.failures) {
      audit.logger.warn(
        { check, err: error, traceId: req.traceContext.traceId },
        'readiness check failed',
      )
    }
    if (!report.ready) throw readinessProblem(report)
    res.json({ status: 'ok', checks: report.checks })
  })

  routes?.(app, kit)

  app.use(expressNotFoundHandler())
  app.use(
    expressProblemHandler({ traceId: (req) => req.traceContext.traceId, logger: audit.logger }),
  )
  return kit
}
