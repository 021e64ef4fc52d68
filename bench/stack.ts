/**
 * The stack's PKI and PostgreSQL for a benchmark run outside the test harness. Every step is
 * idempotent; the returned function stops PostgreSQL again only if this call started it, so the
 * bench leaves the machine as it found it.
 */
import { stackPaths } from '../packages/stack/src/index.ts'
import { ensurePki } from '../infra/src/pki/index.ts'
import { postgresServer } from '../infra/src/postgres/index.ts'

export const paths = stackPaths()

export async function ensureStack(): Promise<() => Promise<void>> {
  await ensurePki(paths)
  const wasRunning = await postgresServer.isRunning(paths)
  if (!wasRunning) await postgresServer.start(paths)
  await postgresServer.provision(paths)
  return wasRunning ? async () => {} : () => postgresServer.stop(paths)
}
