/**
 * Looks for card numbers (PANs) where Mythical Retail keeps data: every table of every database
 * on the stack's PostgreSQL (read as the operator's superuser), every log file of the stack's
 * services (their audit records included) and of PostgreSQL and RabbitMQ themselves.
 *
 * A PAN candidate is a run of 13–19 digits, single spaces or dashes allowed between them, that is
 * not part of a longer word — another digit, a letter, a decimal point or a dash-joined neighbour
 * (a log's `responseTime` fraction, the decimal groups of a UUID are not cards) — and passes the
 * Luhn check. Hits name where they were found and the last
 * four digits only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { isLuhnValid } from '@mythical/audit'
import { resolveAdmin } from '@mythical/infra/postgres/admin-target'
import { connectAdmin } from '@mythical/infra/postgres/connect-admin'
import { postgresLayout } from '@mythical/infra/postgres/layout'
import { stackPaths } from '@mythical/stack'

const CANDIDATE =
  /(?<![0-9A-Za-z.]|[0-9A-Za-z]-)[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z]|-[0-9A-Za-z])/g

/** Where a PAN-like value was found, and its last four digits. */
export interface PanHit {
  readonly where: string
  readonly last4: string
}

/** PAN candidates in `text`. */
export function pansIn(text: string, where: string): PanHit[] {
  return [...text.matchAll(CANDIDATE)]
    .map((m) => m[0].replace(/[ -]/g, ''))
    .filter(isLuhnValid)
    .map((digits) => ({ where, last4: digits.slice(-4) }))
}

/** Every file below `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** The stack's log files: services (audit included), PostgreSQL, RabbitMQ. */
export function stackLogFiles(): string[] {
  const paths = stackPaths()
  return [...filesUnder(paths.logs), ...filesUnder(join(paths.rabbitmq, 'log'))]
}

/** Where each stack log file ends now: pass to {@link scanLogs} to scan what is written after. */
export function logOffsets(): ReadonlyMap<string, number> {
  return new Map(stackLogFiles().map((file) => [file, statSync(file).size]))
}

/**
 * PAN candidates in every stack log file — in what was written after `since` (files that did not
 * exist then are read whole), or in everything.
 */
export function scanLogs(since: ReadonlyMap<string, number> = new Map()): PanHit[] {
  return stackLogFiles().flatMap((file) => {
    const text = readFileSync(file)
      .subarray(since.get(file) ?? 0)
      .toString('utf8')
    return pansIn(text, file)
  })
}

/** Columns holding W3C trace context ids (the trace store's, and any table that keeps one). */
const TRACE_ID_COLUMNS = new Set(['trace_id', 'span_id', 'parent_span_id'])
const W3C_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/

/**
 * A row as text without its W3C trace and span ids: a random 16-hex-digit span id is all decimal
 * digits about once in 1,850 and then passes Luhn one time in ten, so the append-only trace store
 * would sooner or later "hold a card number" (it did: span id 9182656646712471).
 */
function withoutTraceIds(row: Record<string, unknown>): string {
  const kept = Object.entries(row).filter(
    ([column, value]) =>
      !(TRACE_ID_COLUMNS.has(column) && typeof value === 'string' && W3C_ID.test(value)),
  )
  return JSON.stringify(Object.fromEntries(kept))
}

/** PAN candidates in every row of every table of every database, with the tables scanned. */
export async function scanDatabases(): Promise<{ hits: PanHit[]; tables: string[] }> {
  const layout = postgresLayout(stackPaths())
  const admin = await resolveAdmin(layout)
  const cluster = await connectAdmin(layout, admin, 'postgres')
  let databases: string[]
  try {
    const { rows } = await cluster.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname',
    )
    databases = rows.map((r) => r.datname)
  } finally {
    await cluster.end()
  }
  const hits: PanHit[] = []
  const tables: string[] = []
  for (const database of databases) {
    const client = await connectAdmin(layout, admin, database)
    try {
      const { rows } = await client.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
          WHERE table_type = 'BASE TABLE'
            AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      )
      for (const { schema, name } of rows) {
        const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`
        const where = `${database}.${schema}.${name}`
        tables.push(where)
        const content = await client.query<{ row: Record<string, unknown> }>(
          `SELECT to_jsonb(t) AS row FROM ${table} t`,
        )
        for (const { row } of content.rows) hits.push(...pansIn(withoutTraceIds(row), where))
      }
    } finally {
      await client.end()
    }
  }
  return { hits, tables }
}
