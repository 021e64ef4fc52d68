/**
 * A service's own PostgreSQL login on the running stack — its role, its workload certificate over
 * TLS, the CA of its trust domain, exactly as `createDatabasePool` uses them — optionally aimed at
 * another database than its own, the attack TB12 must stop. And PostgreSQL's own log, where the
 * server records the connections it refused (a refusal in TB12 is the server's decision: no
 * service is involved, so there is no application audit record).
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { readDatabaseCredentials } from '@mythical/db'
import { SECRET_FILES, stackPaths } from '@mythical/stack'
import pg from 'pg'

const paths = stackPaths()

/** A client logging in as `service` (its role and certificate), to `database` if given. */
export function loginOf(service: string, database?: string): pg.Client {
  const secrets = paths.secrets(service)
  const read = (file: string) => readFileSync(join(secrets, file), 'utf8')
  return new pg.Client({
    ...readDatabaseCredentials(secrets),
    ...(database ? { database } : {}),
    ssl: {
      ca: read(SECRET_FILES.ca),
      cert: read(SECRET_FILES.tlsCert),
      key: read(SECRET_FILES.tlsKey),
    },
    connectionTimeoutMillis: 5_000,
  })
}

/** The error the server answers a connection attempt with (fails if it lets the client in). */
export async function refusedConnection(client: pg.Client): Promise<Error & { code?: string }> {
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => undefined)
    return error as Error & { code?: string }
  }
  await client.end()
  throw new Error('the server let the connection in')
}

const SERVER_LOG = join(paths.logs, 'postgres.log')

/** Where PostgreSQL's log ends now: what is written after it belongs to what follows. */
export const serverLogOffset = (): number => statSync(SERVER_LOG).size

/** Lines PostgreSQL logged since `offset` that contain `text` (waits up to 2 s for them). */
export async function serverLogLinesSince(offset: number, text: string): Promise<string[]> {
  const deadline = Date.now() + 2_000
  for (;;) {
    const written = readFileSync(SERVER_LOG).subarray(offset).toString('utf8')
    const found = written.split('\n').filter((line) => line.includes(text))
    if (found.length > 0 || Date.now() >= deadline) return found
    await sleep(100)
  }
}
