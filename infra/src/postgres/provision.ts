import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type pg from 'pg'
import { applyMigrations, type DatabaseCredentials } from '@mythical/db'
import { type StackPaths, SERVICES, type ServiceDefinition } from '@mythical/stack'
import { resolveAdmin } from './admin-target.ts'
import { connectAdmin } from './connect-admin.ts'
import { postgresLayout } from './layout.ts'
import { serviceCredentials, writeServiceCredentials } from './service-credentials.ts'

/** What provisioning set up for one system of record. */
export interface DatabaseProvisioning {
  service: string
  database: string
  /** The service's LOGIN role. */
  role: string
  /** NOLOGIN role owning the database and every table in it. */
  owner: string
  /** Migrations applied by this run (empty when the database was up to date). */
  applied: string[]
}

type DatabaseService = ServiceDefinition & { database: string }

const hasDatabase = (service: ServiceDefinition): service is DatabaseService =>
  service.database !== undefined

/** NOLOGIN owner of a service's database and tables: `orders` → `orders_owner`. */
const ownerRole = (database: string): string => `${database}_owner`

/** Maintenance databases every role could connect to by default. */
const MAINTENANCE_DATABASES = ['postgres', 'template1']

/**
 * Provisions one database per system of record (every manifest service with a `database`):
 *
 * - a NOLOGIN owner role `<database>_owner` that owns the database, its schema and its tables, so
 *   row-level security binds the service (a table owner could switch RLS off);
 * - a LOGIN role `principalName(service)` **without a password** (`PASSWORD NULL`, which also
 *   clears one set by an older stack): it logs in with its workload certificate, whose subject DN
 *   `pg_ident.conf` maps to it (see `ident-map.ts`). NOSUPERUSER, NOBYPASSRLS, member of no role,
 *   allowed to CONNECT to its own database only (`REVOKE ALL … FROM PUBLIC` everywhere,
 *   maintenance databases too); its `database.json` names host, port, database and role only;
 * - `public` schema closed to PUBLIC, USAGE for the service role only;
 * - the service's `migrations/*.sql` applied as the owner role; they GRANT the DML it needs.
 *
 * Everything runs over verified TLS as the superuser and is idempotent.
 */
export async function provisionDatabases(paths: StackPaths): Promise<DatabaseProvisioning[]> {
  const layout = postgresLayout(paths)
  const admin = await resolveAdmin(layout)
  const server = { host: admin.host, port: admin.port }
  const plans = SERVICES.filter(hasDatabase).map((service) => ({
    service,
    login: serviceCredentials(service, server),
  }))
  for (const { service, login } of plans) await writeServiceCredentials(paths, service.name, login)

  const cluster = await connectAdmin(layout, admin)
  try {
    for (const database of MAINTENANCE_DATABASES) {
      await cluster.query(
        `REVOKE ALL ON DATABASE ${cluster.escapeIdentifier(database)} FROM PUBLIC`,
      )
    }
    for (const { login } of plans) {
      await ensureRoles(cluster, login)
      await ensureDatabase(cluster, login)
    }
  } finally {
    await cluster.end()
  }

  const report: DatabaseProvisioning[] = []
  for (const { service, login } of plans) {
    const applied = await migrateServiceDatabase(paths, admin, service, login)
    report.push({
      service: service.name,
      database: login.database,
      role: login.user,
      owner: ownerRole(login.database),
      applied,
    })
  }
  return report
}

/**
 * Closes the `public` schema of `database` (default: the service's own) to everyone but the
 * service's role and applies the service's `migrations/*.sql` there as the owner role of the
 * service's own database. The database must exist ({@link ensureDatabase}).
 *
 * @returns the migrations this run applied
 */
export async function migrateServiceDatabase(
  paths: StackPaths,
  admin: Awaited<ReturnType<typeof resolveAdmin>>,
  service: ServiceDefinition,
  login: DatabaseCredentials,
  database: string = login.database,
): Promise<string[]> {
  const owner = ownerRole(login.database)
  const client = await connectAdmin(postgresLayout(paths), admin, database)
  try {
    const role = client.escapeIdentifier(login.user)
    await client.query('REVOKE ALL ON SCHEMA public FROM PUBLIC')
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`)
    // `<folder>/src/main.ts` → `<folder>/migrations` (services/<name>, or web at the top level).
    const dir = join(paths.root, dirname(dirname(service.entry)), 'migrations')
    if (!(await exists(dir))) return []
    // Objects created from here on belong to the owner, not to the superuser or the service.
    await client.query(`SET ROLE ${client.escapeIdentifier(owner)}`)
    const { applied } = await applyMigrations(client, dir)
    await client.query('RESET ROLE')
    return applied
  } finally {
    await client.end()
  }
}

async function ensureRoles(client: pg.Client, login: DatabaseCredentials): Promise<void> {
  const owner = client.escapeIdentifier(ownerRole(login.database))
  const role = client.escapeIdentifier(login.user)
  await createRoleIfMissing(client, ownerRole(login.database))
  await client.query(
    `ALTER ROLE ${owner} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
  )
  await createRoleIfMissing(client, login.user)
  // PASSWORD NULL: no shared secret exists that could leak, and a password line could never
  // let the role in anyway (pg_hba gives service roles the cert method only).
  await client.query(
    `ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD NULL`,
  )
  // Membership in the owner role (or any other) would let the service SET ROLE around RLS.
  const { rows } = await client.query<{ granted: string }>(
    `SELECT g.rolname AS granted FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
      WHERE r.rolname = $1`,
    [login.user],
  )
  for (const { granted } of rows) {
    await client.query(`REVOKE ${client.escapeIdentifier(granted)} FROM ${role}`)
  }
}

async function createRoleIfMissing(client: pg.Client, name: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])
  if (rowCount === 0) await client.query(`CREATE ROLE ${client.escapeIdentifier(name)}`)
}

/**
 * Creates `name` (default: the service's own database) owned by the service's NOLOGIN owner role,
 * CONNECT for the service's role only. Idempotent.
 */
export async function ensureDatabase(
  client: pg.Client,
  login: DatabaseCredentials,
  name: string = login.database,
): Promise<void> {
  const database = client.escapeIdentifier(name)
  const owner = client.escapeIdentifier(ownerRole(login.database))
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  if (rowCount === 0) {
    await client.query(
      `CREATE DATABASE ${database} OWNER ${owner} TEMPLATE template0 ENCODING 'UTF8'`,
    )
  }
  await client.query(`ALTER DATABASE ${database} OWNER TO ${owner}`)
  // PUBLIC gets CONNECT and TEMPORARY on every new database by default: take both away.
  await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`)
  await client.query(
    `GRANT CONNECT ON DATABASE ${database} TO ${client.escapeIdentifier(login.user)}`,
  )
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
