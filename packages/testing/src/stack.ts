/**
 * The stack's PKI and PostgreSQL, as tests find them. The integration run's global set-up
 * (`infra/test/global-setup.ts`) creates the PKI and starts and provisions PostgreSQL and
 * RabbitMQ; tests never drive infra themselves, so this only checks that it has run.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SECRET_FILES, stackPaths } from '@mythical/stack'

/** The `.stack/` folders of this checkout. */
export const paths = stackPaths()

/**
 * Fails fast, naming the command to use, when the PKI or the database credentials of `service`
 * (default `idp`) are missing.
 *
 * @example before(() => requireStack())
 */
export function requireStack(service = 'idp'): void {
  const needed = [paths.caCert('retail'), join(paths.secrets(service), SECRET_FILES.database)]
  for (const file of needed) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: run integration tests with --test-global-setup=infra/test/global-setup.ts`,
      )
    }
  }
}
