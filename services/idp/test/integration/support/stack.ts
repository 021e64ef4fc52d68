/**
 * The stack's PKI and PostgreSQL for the IdP's integration tests. The integration run's global
 * setup (`infra/test/global-setup.ts`) normally has done this already; every step is
 * idempotent, so a test file run on its own gets the same environment.
 */
import { stackPaths } from '@mythical/infra/paths'
import { ensurePki } from '@mythical/infra/pki/index'
import { postgresServer } from '@mythical/infra/postgres/index'

export const paths = stackPaths()

/**
 * Make sure the PKI exists and the stack's PostgreSQL runs with the IdP's migrations applied.
 * Resolves to a function that stops PostgreSQL again if this call started it (and does nothing
 * otherwise), so a caller outside the test run's global setup leaves the machine as it found it.
 */
export async function ensureStack(): Promise<() => Promise<void>> {
  await ensurePki(paths)
  const wasRunning = await postgresServer.isRunning(paths)
  if (!wasRunning) await postgresServer.start(paths)
  await postgresServer.provision(paths)
  return wasRunning ? async () => {} : () => postgresServer.stop(paths)
}
