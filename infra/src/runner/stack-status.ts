/**
 * `pnpm stack:status`: one live row per service and infrastructure server — health (a real
 * `/readyz` probe over mTLS, or the server's own check), pid, and memory summed over the process
 * tree — and the totals, to keep the stack under its 2 GiB budget. Two memory columns: VmRSS
 * (what `top` shows; counts the shared Node binary once per process, so its sum overstates) and
 * PSS (shared pages split among the processes mapping them; its sum is the real footprint).
 */
import { type StackPaths, INFRASTRUCTURE, SERVICES, type ServiceDefinition } from '@mythical/stack'
import { probeService } from './health-probe.ts'
import { INFRASTRUCTURE_SERVERS } from './infrastructure.ts'
import { listeningPid } from './listening-pid.ts'
import { runningPid } from './pid-files.ts'
import { treeProportionalKib, treeResidentKib } from './proc.ts'

export interface StatusRow {
  readonly name: string
  readonly kind: 'service' | 'infrastructure'
  readonly healthy: boolean
  /** Why it is not healthy ('' when healthy). */
  readonly reason: string
  readonly pid: number | undefined
  /** Resident memory (VmRSS) of the process tree, KiB (0 when not running). */
  readonly rssKib: number
  /** Proportional set size of the process tree, KiB: shared pages counted once overall. */
  readonly pssKib: number
}

const memory = (pid: number | undefined) =>
  pid === undefined
    ? { rssKib: 0, pssKib: 0 }
    : { rssKib: treeResidentKib(pid), pssKib: treeProportionalKib(pid) }

async function serviceRow(paths: StackPaths, service: ServiceDefinition): Promise<StatusRow> {
  // A service someone started by hand still counts: fall back to whoever listens on its port.
  const pid = runningPid(paths, service) ?? listeningPid(service.port)
  const probe = await probeService(paths, service)
  return {
    name: service.name,
    kind: 'service',
    healthy: probe.ok,
    reason: probe.ok ? '' : probe.reason,
    pid,
    ...memory(pid),
  }
}

/** Probes everything concurrently (a sequential sweep of 16 timeouts would take half a minute). */
export async function collectStatus(
  paths: StackPaths,
  services: readonly ServiceDefinition[] = SERVICES,
): Promise<StatusRow[]> {
  const infrastructure = INFRASTRUCTURE_SERVERS.map(async (server): Promise<StatusRow> => {
    const pid = listeningPid(INFRASTRUCTURE[server.name].port)
    const healthy = await server.isRunning(paths)
    return {
      name: server.name,
      kind: 'infrastructure',
      healthy,
      reason: healthy ? '' : 'not running',
      pid,
      ...memory(pid),
    }
  })
  return Promise.all([...infrastructure, ...services.map((s) => serviceRow(paths, s))])
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`

/**
 * The rows as an aligned text table with a total line.
 *
 * @example formatStatus(rows) // 'NAME  HEALTH  PID  RSS\npostgres  up  1234  31.0 MiB\n…'
 */
export function formatStatus(rows: readonly StatusRow[]): string {
  const table = [
    ['NAME', 'KIND', 'HEALTH', 'PID', 'RSS', 'PSS'],
    ...rows.map((row) => [
      row.name,
      row.kind,
      row.healthy ? 'up' : `DOWN (${row.reason})`,
      row.pid === undefined ? '-' : String(row.pid),
      mib(row.rssKib),
      mib(row.pssKib),
    ]),
    [
      'TOTAL',
      '',
      `${rows.filter((r) => r.healthy).length}/${rows.length} up`,
      '',
      mib(rows.reduce((sum, r) => sum + r.rssKib, 0)),
      mib(rows.reduce((sum, r) => sum + r.pssKib, 0)),
    ],
  ]
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? []
  return table
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/**
 * @returns the exit code: 0 when every row is healthy
 * @example process.exitCode = await stackStatus(stackPaths(), { log: console.log })
 */
export async function stackStatus(
  paths: StackPaths,
  { log }: { readonly log: (line: string) => void },
): Promise<number> {
  const rows = await collectStatus(paths)
  log(formatStatus(rows))
  return rows.every((row) => row.healthy) ? 0 : 1
}
