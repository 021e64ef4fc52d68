/**
 * Brings the stack's own PostgreSQL and RabbitMQ up before any service, and down after the last
 * one. Ownership is explicit: only a server this run started is stopped again, so a server the
 * test harness (infra/test/global-setup.ts) or an earlier run owns is left alone.
 */
import type { InfrastructureServer } from '../infrastructure.ts'
import type { StackPaths, Infrastructure } from '@mythical/stack'
import { postgresServer } from '../postgres/index.ts'
import { rabbitmqServer } from '../rabbitmq/index.ts'
import { InfrastructureFailedError } from './errors.ts'

async function step(server: InfrastructureServer, what: string, run: () => Promise<void>) {
  try {
    await run()
  } catch (cause) {
    throw new InfrastructureFailedError(
      `${server.name} ${what} failed: ${(cause as Error).message}`,
      { cause },
    )
  }
}

/** In start order: PostgreSQL first (the IdP and the system APIs need it before the broker). */
export const INFRASTRUCTURE_SERVERS: readonly InfrastructureServer[] = [
  postgresServer,
  rabbitmqServer,
]

export const infrastructureServer = (name: Infrastructure): InfrastructureServer => {
  const server = INFRASTRUCTURE_SERVERS.find((s) => s.name === name)
  if (!server) throw new TypeError(`unknown infrastructure "${name}"`)
  return server
}

/**
 * Starts every server that is not running, then provisions all of them (idempotent: roles,
 * databases, vhost, users, topology and each service's credentials file).
 *
 * `started` is updated as each server comes up — not at the end — so a caller whose bring-up
 * fails half way still knows which servers it owns and must stop.
 *
 * @throws {InfrastructureFailedError} naming the server and the step
 * @example await ensureInfrastructure(paths, { started: state.infrastructureStarted })
 */
export async function ensureInfrastructure(
  paths: StackPaths,
  {
    started,
    log = () => {},
  }: { started: Record<Infrastructure, boolean>; log?: (line: string) => void },
): Promise<void> {
  for (const server of INFRASTRUCTURE_SERVERS) {
    if (await server.isRunning(paths)) {
      log(`${server.name}: already running`)
    } else {
      log(`${server.name}: starting`)
      started[server.name] = true // before start: a half-started server must be stopped too
      await step(server, 'start', () => server.start(paths))
    }
    await step(server, 'provisioning', () => server.provision(paths))
    log(`${server.name}: provisioned`)
  }
}

/** Stops the named servers in reverse start order. */
export async function stopInfrastructure(
  paths: StackPaths,
  names: readonly Infrastructure[],
  log: (line: string) => void = () => {},
): Promise<void> {
  for (const server of [...INFRASTRUCTURE_SERVERS].reverse()) {
    if (!names.includes(server.name)) continue
    log(`${server.name}: stopping`)
    await server.stop(paths)
  }
}
