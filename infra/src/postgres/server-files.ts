import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readIfExists, writeFileAtomic } from '../pki/files.ts'
import { INFRASTRUCTURE } from '../stack.ts'
import { PostgresPkiMissing } from './errors.ts'
import type { PostgresLayout } from './layout.ts'
import { giveToServerUser, type ServerUser } from './server-user.ts'

/** Settings file included from `postgresql.conf`; rewritten on every start. */
const SETTINGS_FILE = 'mythical.conf'
/** Line appended once to initdb's `postgresql.conf`. */
export const INCLUDE_LINE = `include '${SETTINGS_FILE}'`

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`

/**
 * Server settings: loopback only, TLS 1.3 only, SCRAM only, connections logged.
 * The certificate and key are copies inside the data directory because PostgreSQL insists that
 * the key belongs to the server's OS user with mode 0600.
 */
function renderSettings(layout: PostgresLayout): string {
  return `# Managed by infra/src/postgres: rewritten on every start.
listen_addresses = '127.0.0.1'
port = ${INFRASTRUCTURE.postgres.port}
unix_socket_directories = ${quote(layout.socketDir)}
unix_socket_permissions = 0700
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'client-ca.pem'
ssl_min_protocol_version = 'TLSv1.3'
password_encryption = 'scram-sha-256'
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
`
}

/**
 * Client authentication: from loopback, TLS with a workload certificate of a trusted domain
 * (`clientcert=verify-ca`) **and** the role's SCRAM password; everything else rejected. There is no
 * `trust` line and no socket login, so even the OS account running the server needs both.
 *
 * The certificate is not bound to the role. PostgreSQL 15 refuses `map=` on a `scram-sha-256`
 * line ("only valid for authentication methods ident, peer, gssapi, sspi, and cert"), and
 * `clientcert=verify-full` without a map demands CN (or, with `clientname=DN`, the RFC 2253 DN
 * `CN=orders-api,O=retail.mythical.example`) = role name, which `orders_api` never is. Binding
 * would mean the `cert` method with a DN map and no password; see the todo tests in
 * infra/test/integration/postgres/certificate-binding.test.ts.
 */
function renderHba(): string {
  return `# Managed by infra/src/postgres: rewritten on every start.
# TYPE     DATABASE  USER  ADDRESS       METHOD         OPTIONS
hostssl    all       all   127.0.0.1/32  scram-sha-256  clientcert=verify-ca
hostnossl  all       all   0.0.0.0/0     reject
hostnossl  all       all   ::/0          reject
local      all       all                 reject
`
}

/**
 * Writes settings, `pg_hba.conf`, certificate, key and client CA bundle into the data directory
 * (owned by the server user, mode 0600), touching only files whose content changed.
 *
 * @returns Whether anything changed (a running server then needs a reload).
 * @throws `PostgresPkiMissing` when the PKI has not issued the server certificate or a CA.
 */
export async function syncServerFiles(layout: PostgresLayout, user: ServerUser): Promise<boolean> {
  const [cert, key, ...clientCas] = await Promise.all(
    [layout.tlsCert, layout.tlsKey, ...layout.clientCaCerts].map((file) =>
      readFile(file, 'utf8').catch((cause: unknown) => {
        throw new PostgresPkiMissing(`cannot read ${file}: run the PKI first (pnpm pki)`, {
          cause,
        })
      }),
    ),
  )
  const files: [string, string][] = [
    [SETTINGS_FILE, renderSettings(layout)],
    ['pg_hba.conf', renderHba()],
    ['server.crt', cert ?? ''],
    ['server.key', key ?? ''],
    // One PEM after the other, each ending in a newline: "…-----END CERTIFICATE----------BEGIN…"
    // is a broken bundle, and a failed SSL reload leaves the server refusing every client.
    ['client-ca.pem', clientCas.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('')],
  ]
  let changed = false
  for (const [name, content] of files) {
    const path = join(layout.data, name)
    if ((await readIfExists(path)) === content) continue
    await writeFileAtomic(path, content, 0o600)
    await giveToServerUser(user, path)
    changed = true
  }
  return changed
}
