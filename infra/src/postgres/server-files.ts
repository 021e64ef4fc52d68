import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readIfExists, writeFileAtomic } from '../pki/files.ts'
import { INFRASTRUCTURE } from '@mythical/stack'
import { ADMIN_USER } from './admin-credentials.ts'
import { PostgresPkiMissing } from './errors.ts'
import { IDENT_MAP, renderIdentFile } from './ident-map.ts'
import type { PostgresLayout } from './layout.ts'
import { giveToServerUser, type ServerUser } from './server-user.ts'

/** Settings file included from `postgresql.conf`; rewritten on every start. */
const SETTINGS_FILE = 'mythical.conf'
/** Line appended once to initdb's `postgresql.conf`. */
export const INCLUDE_LINE = `include '${SETTINGS_FILE}'`

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`

/**
 * Server settings: loopback only, TLS 1.3 only, SCRAM for the one password login (the admin),
 * the generated certificate-to-role map, connections logged.
 * The certificate and key are copies inside the data directory because PostgreSQL insists that
 * the key belongs to the server's OS user with mode 0600.
 */
/**
 * What the server may write about a failed statement: the error only. An error's DETAIL
 * ("Failing row contains (…)") and the failing statement's text would print rows and literals —
 * a card number a constraint refused, say — into the log (cardholder data, PCI DSS).
 */
export const LOG_PRIVACY_SETTINGS = {
  log_error_verbosity: 'terse',
  log_min_error_statement: 'panic',
} as const

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
ident_file = ${quote(join(layout.data, 'pg_ident.conf'))}
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
${Object.entries(LOG_PRIVACY_SETTINGS)
  .map(([name, value]) => `${name} = '${value}'`)
  .join('\n')}
`
}

/**
 * Client authentication, TLS from loopback only, first matching line wins:
 *
 * 1. the superuser: SCRAM password **and** a workload certificate of a trusted domain
 *    (`clientcert=verify-ca`), so neither a leaked `admin.json` nor a key alone is enough;
 * 2. every other role: the `cert` method (chain verified, no password) with `clientname=DN` and
 *    `map=workloads` (`IDENT_MAP`): the certificate's full subject DN must map to the requested
 *    role in `pg_ident.conf`. The certificate *is* the credential, bound to exactly one role.
 *
 * PostgreSQL 15 allows `map=` only on `cert` (not `scram-sha-256`) lines, hence no password for
 * workloads. No `trust` line and no socket login: even the server's OS account needs a certificate.
 */
function renderHba(): string {
  return `# Managed by infra/src/postgres: rewritten on every start.
# TYPE     DATABASE  USER  ADDRESS       METHOD         OPTIONS
hostssl    all       ${ADMIN_USER}  127.0.0.1/32  scram-sha-256  clientcert=verify-ca
hostssl    all       ${ADMIN_USER}  ::1/128       scram-sha-256  clientcert=verify-ca
hostssl    all       all   127.0.0.1/32  cert           clientname=DN map=${IDENT_MAP}
hostssl    all       all   ::1/128       cert           clientname=DN map=${IDENT_MAP}
hostnossl  all       all   0.0.0.0/0     reject
hostnossl  all       all   ::/0          reject
local      all       all                 reject
`
}

/**
 * Writes settings, `pg_hba.conf`, `pg_ident.conf` (from the manifest), certificate, key and client CA bundle into the data directory
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
    ['pg_ident.conf', renderIdentFile()],
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
