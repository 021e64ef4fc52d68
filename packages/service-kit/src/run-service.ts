import type { FastifyInstance } from 'fastify'

/** Signals that ask a service to stop: compose/orchestrators send SIGTERM, a terminal SIGINT. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * Starts listening and stops gracefully on SIGTERM/SIGINT: stop accepting connections, let
 * in-flight requests finish, run `onClose` hooks (database pools, broker channels), exit 0.
 * A failing close exits 1 so the supervisor sees it.
 *
 * @example
 * ```ts
 * await runService(await buildApp(config), { host: config.HOST, port: config.PORT })
 * ```
 */
export async function runService(
  app: FastifyInstance,
  opts: { host: string; port: number },
): Promise<void> {
  await app.listen({ host: opts.host, port: opts.port })
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  for (const signal of STOP_SIGNALS) process.once(signal, stop)
}
