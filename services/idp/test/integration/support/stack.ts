/**
 * The stack's PKI and PostgreSQL for the IdP's integration tests. The integration run's global
 * setup (`infra/test/global-setup.ts`) creates the PKI and starts and provisions PostgreSQL;
 * services never drive infra themselves, so this only checks that it has run.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SECRET_FILES, stackPaths } from '@mythical/stack'

export const paths = stackPaths()

/**
 * Fails fast, with the command to use, when the PKI or the IdP's database credentials are missing.
 */
export async function ensureStack(): Promise<void> {
  for (const file of [paths.caCert('retail'), join(paths.secrets('idp'), SECRET_FILES.database)]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: run integration tests with --test-global-setup=infra/test/global-setup.ts`,
      )
    }
  }
}
