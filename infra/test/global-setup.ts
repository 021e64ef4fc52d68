/**
 * Global set-up of `pnpm test:integration` (node:test `--test-global-setup`, Node 24): the dev
 * PKI and the stack's own PostgreSQL and RabbitMQ, started once for every integration suite and
 * provisioned (both idempotent, so a stack that is already up is simply reused).
 *
 * Teardown stops only the servers this set-up started: a developer's running stack survives a
 * test run. `stack:down` follows the same rule (it stops only what `stack:up` started), so the
 * stack suite can bring services up and down without taking the shared servers away from the
 * suites that run after it.
 */
import { stackPaths, type Infrastructure } from '@mythical/stack'
import { ensurePki } from '../src/pki/index.ts'
import { ensureInfrastructure, stopInfrastructure } from '../src/runner/infrastructure.ts'

const paths = stackPaths()
const started: Record<Infrastructure, boolean> = { postgres: false, rabbitmq: false }

export async function globalSetup(): Promise<void> {
  await ensurePki(paths)
  await ensureInfrastructure(paths, { started })
}

export async function globalTeardown(): Promise<void> {
  await stopInfrastructure(
    paths,
    (Object.keys(started) as Infrastructure[]).filter((name) => started[name]),
  )
}
