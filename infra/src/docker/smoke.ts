/**
 * The Docker path of the integration harness, proven on a smaller set (CI runs it after the
 * local path): the project's engine, the stand-in PostgreSQL/RabbitMQ images where no registry
 * is reachable, then PostgreSQL and broker suites with `DOCKER_HOST` set, so
 * infra/test/global-setup.ts starts both servers with testcontainers.
 */
import { spawn } from 'node:child_process'
import type { StackPaths } from '@mythical/stack'
import { POSTGRES_IMAGE, RABBITMQ_IMAGE } from '../compose/images.ts'
import { startEngine, stopEngine, pingEngine, engineLayout } from './engine.ts'
import { ensureStandInImages } from './stand-in-images.ts'

/** Suites that run against the shared servers only (no local-binary specifics, no own node). */
export const DOCKER_SMOKE_SUITES = [
  'infra/test/integration/postgres/tls-and-authentication.test.ts',
  'infra/test/integration/postgres/certificate-binding.test.ts',
  'infra/test/integration/postgres/least-privilege.test.ts',
  'services/customers-api/test/integration/order-placed-events.test.ts',
] as const

/** Runs the smoke suites; stops the engine again when this run started it. */
export async function runDockerSmoke(paths: StackPaths, log: (line: string) => void) {
  const wasRunning = await pingEngine(engineLayout(paths).socket)
  const env = { ...process.env, DOCKER_HOST: await startEngine(paths) }
  try {
    await ensureStandInImages(paths, { env, only: [POSTGRES_IMAGE, RABBITMQ_IMAGE], log })
    const args = [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-global-setup=infra/test/global-setup.ts',
      ...DOCKER_SMOKE_SUITES,
    ]
    const child = spawn(process.execPath, args, { cwd: paths.root, env, stdio: 'inherit' })
    return await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)))
  } finally {
    if (!wasRunning) await stopEngine(paths)
  }
}
