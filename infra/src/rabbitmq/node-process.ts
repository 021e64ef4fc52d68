import { readFile } from 'node:fs/promises'
import type { RabbitmqLayout } from './layout.ts'

/**
 * The OS pid of the stack's Erlang VM, or `undefined` when it is not running. The pid file alone
 * is not trusted (it survives crashes and pids get reused): the process must be a BEAM VM started
 * with *our* pid file in its environment, so the machine's own node is never mistaken for ours.
 */
export async function runningNodePid(layout: RabbitmqLayout): Promise<number | undefined> {
  let pid: number
  try {
    pid = Number.parseInt((await readFile(layout.pidFile, 'utf8')).trim(), 10)
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8')
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8')
    const ours =
      cmdline.includes('beam') &&
      environ.split('\0').includes(`RABBITMQ_PID_FILE=${layout.pidFile}`)
    return ours ? pid : undefined
  } catch {
    // gone, or not ours to read
    return undefined
  }
}

/** Whether a process with this pid still exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Polls until `pid` has exited or `timeoutMs` passed; returns whether it exited. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return !isAlive(pid)
}
