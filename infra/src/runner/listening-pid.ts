/**
 * Which process listens on a TCP port, from `/proc/net/tcp{,6}` and `/proc/<pid>/fd`. Lets
 * `stack:status` report PostgreSQL and RabbitMQ (started by their own tooling, no pid file of
 * ours) the same way as the services.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

const TCP_LISTEN = '0A'

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue // no IPv6 on this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/)
      const local = fields[1]
      const inode = fields[9]
      if (local === undefined || inode === undefined || fields[3] !== TCP_LISTEN) continue
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode)
    }
  }
  return inodes
}

/**
 * Pid of a process holding a listening socket on `port`, or undefined.
 *
 * @example listeningPid(55432) // the postmaster's pid while the stack's PostgreSQL runs
 */
export function listeningPid(port: number): number | undefined {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return undefined
  const targets = new Set([...inodes].map((inode) => `socket:[${inode}]`))
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue // gone, or not ours to inspect
    }
    for (const fd of fds) {
      try {
        if (targets.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry)
      } catch {
        // descriptor closed while we looked
      }
    }
  }
  return undefined
}
