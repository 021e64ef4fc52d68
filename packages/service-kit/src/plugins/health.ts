/**
 * Probes for the runner, compose and orchestrators:
 * - `GET /healthz`: liveness, the process answers; always 200 `{ status: 'ok' }`
 * - `GET /readyz`: readiness, every dependency check passes; otherwise 503
 *   `ZT_ERR_DEPENDENCY_UNAVAILABLE` naming the failing checks (their errors are logged only)
 */
import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'
import {
  DEFAULT_READINESS_TIMEOUT_MS,
  readinessProblem,
  runReadinessChecks,
  type ReadinessChecks,
} from '../readiness.ts'

/** Options of {@link healthPlugin}. */
export interface HealthOptions {
  readiness: ReadinessChecks
  timeoutMs?: number
}

const health: FastifyPluginCallback<HealthOptions> = (app, opts, done) => {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (request) => {
    const report = await runReadinessChecks(opts.readiness, timeoutMs)
    for (const { check, error } of report.failures) {
      request.log.warn({ check, err: error }, 'readiness check failed')
    }
    if (!report.ready) throw readinessProblem(report)
    return { status: 'ok', checks: report.checks }
  })
  done()
}

/** Fastify plugin: `/healthz` and `/readyz`. */
export const healthPlugin = fp(health, {
  fastify: '5.x',
  name: '@mythical/service-kit/health',
})
