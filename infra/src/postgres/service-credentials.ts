import { join } from 'node:path'
import type { DatabaseCredentials } from '@mythical/db'
import {
  SECRET_FILES,
  type StackPaths,
  principalName,
  type ServiceDefinition,
} from '@mythical/stack'
import { ensureDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, syncFile } from '../pki/files.ts'

/** Where clients reach the server: written into every `database.json`. */
export interface ServerAddress {
  host: string
  port: number
}

/**
 * The login of `service` (with a `database`): role `principalName(service)` on its own database.
 * No password: the server maps the service's workload certificate to this role (`pg_ident.conf`).
 */
export function serviceCredentials(
  service: ServiceDefinition & { database: string },
  server: ServerAddress,
): DatabaseCredentials {
  return {
    host: server.host,
    port: server.port,
    database: service.database,
    user: principalName(service.name),
  }
}

/**
 * Writes `database.json` into the service's own secrets folder (0700), mode 0600, only when its
 * content differs: a file from before certificate logins loses its password on the next run.
 */
export async function writeServiceCredentials(
  paths: StackPaths,
  service: string,
  credentials: DatabaseCredentials,
): Promise<void> {
  const dir = paths.secrets(service)
  await ensureDir(dir, PRIVATE_DIR_MODE)
  await syncFile(
    join(dir, SECRET_FILES.database),
    `${JSON.stringify(credentials, null, 2)}\n`,
    PRIVATE_FILE_MODE,
  )
}
