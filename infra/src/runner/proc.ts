/**
 * Reads Linux `/proc`: process state, parent, process group, command line and resident memory.
 * The runner uses it to tell a live service from a zombie or a recycled pid, to sum memory over a
 * process tree, and to prove that `stack:down` left nothing behind.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcessInfo {
  readonly pid: number
  /** One of R, S, D, Z, T, … (`man 5 proc`); Z is a zombie waiting to be reaped. */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // the process exited between listing and reading
  }
}

/** `/proc/<pid>/stat`, or undefined once the process is gone. */
export function processInfo(pid: number): ProcessInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // `comm` (field 2) may contain spaces and parentheses: the fixed fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgrp: Number(fields[2]) }
}

/** Every process visible in `/proc`. */
export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processInfo(Number(entry)))
    .filter((info) => info !== undefined)
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const info = processInfo(pid)
  return info !== undefined && info.state !== 'Z'
}

/** Command line as its arguments (empty once the process is gone). */
export function commandLine(pid: number): string[] {
  const raw = readText(`/proc/${pid}/cmdline`)
  return raw === undefined ? [] : raw.split('\0').filter((part) => part !== '')
}

/** `pid` and all of its live descendants. */
export function processTree(pid: number, processes = listProcesses()): number[] {
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) {
    for (const child of processes) {
      if (child.ppid === tree[i] && child.state !== 'Z') tree.push(child.pid)
    }
  }
  return tree.filter(isAlive)
}

/** VmRSS of one process in KiB (0 for kernel threads and vanished processes). */
export function residentKib(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readText(`/proc/${pid}/status`) ?? '')
  return match?.[1] === undefined ? 0 : Number(match[1])
}

/** Resident memory of a process and all of its descendants, in KiB. */
export const treeResidentKib = (pid: number): number =>
  processTree(pid).reduce((sum, member) => sum + residentKib(member), 0)

/**
 * Proportional set size in KiB: resident memory with each shared page (the Node binary, shared
 * libraries) divided among the processes mapping it. Unlike VmRSS it adds up across processes
 * to what the stack really occupies.
 */
export function proportionalKib(pid: number): number {
  const match = /^Pss:\s+(\d+) kB$/m.exec(readText(`/proc/${pid}/smaps_rollup`) ?? '')
  return match?.[1] === undefined ? 0 : Number(match[1])
}

/** Proportional set size of a process and all of its descendants, in KiB. */
export const treeProportionalKib = (pid: number): number =>
  processTree(pid).reduce((sum, member) => sum + proportionalKib(member), 0)
