/**
 * The fastify app every retail workload starts from. Plugins are registered in the order a
 * request travels through them:
 *
 * 1. TLS handshake (server options): internal listeners demand a workload certificate; a
 *    refused handshake is audited (`auditHandshakeRefusals`), as no request will exist for it
 * 2. traceparent: continue or start the W3C trace, echo it on the response, and run the rest of
 *    the request in it, so calls made through `createMtlsAgent` carry it on
 * 3. peer identity: `request.peerId`, per-route `allowedCallers` (audited); then the hop's
 *    OpenTelemetry span, active for the rest of the request (audit decisions become its events)
 * 4. problem handler: every error and 404 as problem+json, no stack traces
 * 5. health: `/healthz` and `/readyz` (including its database and broker, when it has them)
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { auditHandshakeRefusals, mtlsServerOptions, type WorkloadIdentity } from '@mythical/mtls'
import { hopSpanPlugin, tracingFromEnvironment } from '@mythical/telemetry'
import fastify, { type FastifyInstance } from 'fastify'
import { assertOwnIdentity } from './identity-check.ts'
import { inboundBoundary } from './inbound-boundary.ts'
import { healthPlugin } from './plugins/health.ts'
import { peerIdentityPlugin } from './plugins/peer-identity.ts'
import { problemHandlerPlugin } from './plugins/problem-handler.ts'
import { traceparentPlugin } from './plugins/traceparent.ts'
import { assertReadinessChecks, type ReadinessChecks } from './readiness.ts'
import { wireSystemsOfRecord, type SystemsOfRecord } from './systems-of-record.ts'

/** Options of {@link createService}. */
export interface ServiceOptions extends SystemsOfRecord {
  /** Manifest name of the service, e.g. `orders-api`: in every log line and audit record. */
  name: string
  /** The workload's certificate, key and CA (see `loadWorkloadIdentity`). */
  identity: WorkloadIdentity
  /** `internal`: client certificate required in the handshake. `edge`: TLS without one. */
  exposure: 'edge' | 'internal'
  /** pino level, default `info` (ignored when `audit` is given: its logger is used). */
  logLevel?: string
  /** Further dependency checks for `/readyz` (database and broker are checked already). */
  readiness?: ReadinessChecks
  /** Audit logger to use; default is a new one for `name`. Tests pass one that captures. */
  audit?: AuditLogger
  /** Extra CA certificates whose workloads may connect, e.g. a partner domain's CA. */
  extraCaPem?: string[]
  /** HTTP limits of the listener (edge services: header size and slow-loris timeouts). */
  httpLimits?: HttpLimits
}

/** Limits a listener enforces before any route runs. */
export interface HttpLimits {
  /** Largest request header block in bytes; more is answered 431 by Node. */
  maxHeaderBytes: number
  /** Milliseconds a client has to send the complete headers (slow-loris), then 408. */
  headersTimeoutMs: number
  /** Milliseconds a client has to send the complete request, body included, then 408. */
  requestTimeoutMs: number
}

/**
 * Builds (does not start) the HTTPS fastify app of a workload.
 *
 * @example
 * ```ts
 * const app = await createService({ name: 'orders-api', identity, exposure: 'internal',
 *   database: createDatabasePool(config.SECRETS_DIR) })
 * const allowedCallers = ['spiffe://retail.mythical.example/order-fulfillment-api']
 * app.get('/orders', { config: { allowedCallers } }, listOrders)
 * await runService(app, { host: config.HOST, port: config.PORT })
 * ```
 */
export async function createService(opts: ServiceOptions): Promise<FastifyInstance> {
  if (opts.exposure !== 'edge' && opts.exposure !== 'internal') {
    throw new TypeError('"exposure" option must be "edge" or "internal"')
  }
  assertOwnIdentity(opts.identity, opts.name)
  const audit =
    opts.audit ??
    createAuditLogger({ service: opts.name, ...(opts.logLevel ? { level: opts.logLevel } : {}) })
  const systems = wireSystemsOfRecord(opts, audit.logger)
  const readiness = { ...systems.readiness, ...opts.readiness }
  assertReadinessChecks(readiness)

  const limits = opts.httpLimits
  const app = fastify({
    https: {
      ...mtlsServerOptions(opts.identity, {
        requireClientCertificate: opts.exposure === 'internal',
        ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}),
      }),
      ...(limits
        ? {
            maxHeaderSize: limits.maxHeaderBytes,
            headersTimeout: limits.headersTimeoutMs,
            // Node checks the timeouts on this interval (default 30 s): keep it below them.
            connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
          }
        : {}),
    },
    ...(limits ? { requestTimeout: limits.requestTimeoutMs } : {}),
    loggerInstance: audit.logger,
  })
  if (opts.exposure === 'internal') {
    const boundary = inboundBoundary(opts.name)
    auditHandshakeRefusals(app.server, audit, boundary ? { boundary } : {})
  }

  await app.register(traceparentPlugin)
  await app.register(peerIdentityPlugin, { audit })
  // The hop's OpenTelemetry span (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
  const tracing = tracingFromEnvironment(opts.name, opts.identity)
  await app.register(hopSpanPlugin, { workloadId: opts.identity.spiffeId })
  await app.register(problemHandlerPlugin)
  await app.register(healthPlugin, { readiness })
  app.addHook('onClose', async () => {
    await systems.close()
    // Spans still queued go out now; an unreachable trace store must not fail the shutdown.
    await tracing?.forceFlush().catch((err: unknown) => {
      app.log.warn({ err }, 'spans not exported at shutdown')
    })
  })
  // Routes do not touch `app.server`, the one member whose type differs between the http and
  // https flavours; handing out the default flavour keeps every route plugin's types simple.
  return app as unknown as FastifyInstance
}
