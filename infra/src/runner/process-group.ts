/**
 * Process groups: every service runs as the leader of its own group (spawned `detached`), so one
 * signal to the group reaches the service and anything it forked, and a Ctrl-C in the terminal
 * reaches only the runner, which then stops services in reverse start order.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { listProcesses } from './proc.ts'

/** How long a service gets between SIGTERM and SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000
const POLL_MS = 100

/** Live (non-zombie) members of a process group. */
export const groupMembers = (pgid: number): number[] =>
  listProcesses()
    .filter((p) => p.pgrp === pgid && p.state !== 'Z')
    .map((p) => p.pid)

/** Sends `signal` to every member of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

async function waitForEmptyGroup(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (groupMembers(pgid).length > 0) {
    if (Date.now() >= deadline) return false
    await sleep(POLL_MS)
  }
  return true
}

/**
 * SIGTERM the group, wait up to `timeoutMs` for it to empty, then SIGKILL what is left.
 *
 * @returns `'terminated'`, `'killed'` (it ignored SIGTERM) or `'gone'` (nothing was running)
 * @example await stopProcessGroup(pid) // 'terminated'
 */
export async function stopProcessGroup(
  pgid: number,
  { timeoutMs = DEFAULT_STOP_TIMEOUT_MS } = {},
): Promise<'terminated' | 'killed' | 'gone'> {
  if (groupMembers(pgid).length === 0) return 'gone'
  signalGroup(pgid, 'SIGTERM')
  if (await waitForEmptyGroup(pgid, timeoutMs)) return 'terminated'
  signalGroup(pgid, 'SIGKILL')
  await waitForEmptyGroup(pgid, 2_000)
  return 'killed'
}
