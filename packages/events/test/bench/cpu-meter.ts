/**
 * CPU time spent over a stretch of the events benchmark, by whom: this process (relay, the four
 * subscriber threads, libuv's crypto threads), the PostgreSQL backends serving the bench database,
 * and the RabbitMQ node (whole, other vhosts included). On a machine others share, a rate says
 * how much CPU the pipeline got; CPU per event says what it costs, which load hardly changes.
 * Linux `/proc` only; elsewhere the servers' shares read 0.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface CpuSpent {
  /** Milliseconds of CPU. */
  readonly node: number
  readonly postgres: number
  readonly broker: number
}

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const TICK_MS = 10

type Server = 'postgres' | 'broker'

function serverOf(pid: string, database: string): Server | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (cmdline.startsWith('postgres:') && cmdline.includes(` ${database} `)) return 'postgres'
    if (cmdline.includes('beam.smp') && cmdline.includes('rabbit')) return 'broker'
  } catch {
    // the process ended meanwhile
  }
  return undefined
}

/** utime + stime of every server process, by pid. */
function serverTicks(database: string): Map<string, { server: Server; ticks: number }> {
  const ticks = new Map<string, { server: Server; ticks: number }>()
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p))
  } catch {
    return ticks
  }
  for (const pid of pids) {
    const server = serverOf(pid, database)
    if (!server) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks.set(pid, { server, ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks
}

/** Starts measuring; the returned function says what was spent since. */
export function startCpuMeter(database: string): () => CpuSpent {
  const node = process.cpuUsage()
  const before = serverTicks(database)
  return () => {
    const used = process.cpuUsage(node)
    const spent = { postgres: 0, broker: 0 }
    // A backend that started meanwhile counts from 0; one that ended meanwhile is lost (rare: the
    // bench's pools keep their connections).
    for (const [pid, { server, ticks }] of serverTicks(database)) {
      spent[server] += (ticks - (before.get(pid)?.ticks ?? 0)) * TICK_MS
    }
    return { node: (used.user + used.system) / 1000, ...spent }
  }
}
