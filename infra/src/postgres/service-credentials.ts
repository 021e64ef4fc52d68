import { join } from 'node:path'
import { parseDatabaseCredentials, type DatabaseCredentials } from '@mythical/db'
import { SECRET_FILES, type StackPaths } from '../paths.ts'
import {
  ensureDir,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  readIfExists,
  syncFile,
} from '../pki/files.ts'
import { principalName, type ServiceDefinition } from '../stack.ts'
import { generatePassword } from './admin-credentials.ts'

/** Where clients reach the server: written into every `database.json`. */
export interface ServerAddress {
  host: string
  port: number
}

/**
 * The login of `service` (with a `database`): role `principalName(service)`, its own database,
 * and the password already in its `database.json` when there is one, so re-provisioning never
 * invalidates a running service's credentials. A malformed file gets a fresh password.
 */
export async function serviceCredentials(
  paths: StackPaths,
  service: ServiceDefinition & { database: string },
  server: ServerAddress,
): Promise<DatabaseCredentials> {
  const file = join(paths.secrets(service.name), SECRET_FILES.database)
  const text = await readIfExists(file)
  let password: string | undefined
  if (text !== undefined) {
    try {
      password = parseDatabaseCredentials(JSON.parse(text), file).password
    } catch {
      password = undefined
    }
  }
  return {
    host: server.host,
    port: server.port,
    database: service.database,
    user: principalName(service.name),
    password: password ?? generatePassword(),
  }
}

/** Writes `database.json` into the service's own secrets folder (0700), mode 0600. */
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
