import { join } from 'node:path'
import { type StackPaths, INFRASTRUCTURE, SERVICES, type TrustDomain } from '@mythical/stack'

/** Files and folders of the stack's own PostgreSQL instance, all under `.stack/`. */
export interface PostgresLayout {
  /** `.stack/postgres/`, owned by the server's OS user. */
  root: string
  /** The cluster (`PGDATA`), mode 0700. */
  data: string
  /** Unix socket folder, mode 0700: nobody else can even reach the socket (and pg_hba rejects it). */
  socketDir: string
  /** Server log, appended by `pg_ctl start -l`. */
  log: string
  /** Serializes start/provision/stop across processes (the runner and test files). */
  lock: string
  /** `.stack/secrets/postgres/admin.json`: the superuser login, 0600. */
  adminCredentials: string
  /** Server certificate and key written by the PKI. */
  tlsCert: string
  tlsKey: string
  /** CA that issued the server certificate: clients verify against it. */
  caCert: string
  /**
   * CAs whose workload certificates may connect: the trust domains of the services that own a
   * database (retail, shipping for the partner's services, cardvault for the vault's own `vault`
   * database), plus the server's own for the admin connection. Each certificate maps to exactly
   * one role (pg_ident), which may connect to its own database only.
   */
  clientCaCerts: string[]
}

/** Resolves the {@link PostgresLayout} of a stack. */
export function postgresLayout(paths: StackPaths): PostgresLayout {
  const secrets = paths.secrets('postgres')
  const clientDomains = new Set<TrustDomain>([INFRASTRUCTURE.postgres.domain])
  for (const service of SERVICES) if (service.database) clientDomains.add(service.domain)
  return {
    root: paths.postgres,
    data: join(paths.postgres, 'data'),
    socketDir: join(paths.postgres, 'run'),
    log: join(paths.logs, 'postgres.log'),
    lock: join(paths.run, 'postgres.lock'),
    adminCredentials: join(secrets, 'admin.json'),
    tlsCert: join(secrets, 'tls.crt'),
    tlsKey: join(secrets, 'tls.key'),
    caCert: paths.caCert(INFRASTRUCTURE.postgres.domain),
    clientCaCerts: [...clientDomains].map((domain) => paths.caCert(domain)),
  }
}
