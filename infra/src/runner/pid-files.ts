/**
 * `.stack/run/<name>.pid`: the pid (= process-group id) of each service the runner started, so a
 * later `stack:down` or `stack:status` in another shell can find it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StackPaths, ServiceDefinition } from '@mythical/stack'
import { commandLine, isAlive } from './proc.ts'

const pidFile = (paths: StackPaths, name: string) => join(paths.run, `${name}.pid`)

export function writePid(paths: StackPaths, name: string, pid: number): void {
  mkdirSync(paths.run, { recursive: true })
  writeFileSync(pidFile(paths, name), `${pid}\n`)
}

/** The recorded pid, or undefined when there is no (valid) pid file. */
export function readPid(paths: StackPaths, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(paths, name), 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

export const removePid = (paths: StackPaths, name: string): void =>
  rmSync(pidFile(paths, name), { force: true })

/** Names of every service with a pid file, including ones no longer in the manifest. */
export function recordedNames(paths: StackPaths): string[] {
  try {
    return readdirSync(paths.run)
      .filter((file) => file.endsWith('.pid'))
      .map((file) => file.slice(0, -'.pid'.length))
  } catch {
    return []
  }
}

/**
 * The recorded pid if that process is alive **and** still runs the service's entry: after a
 * reboot the number may belong to an unrelated process, which must never be signalled.
 */
export function runningPid(
  paths: StackPaths,
  service: Pick<ServiceDefinition, 'name' | 'entry'>,
): number | undefined {
  const pid = readPid(paths, service.name)
  if (pid === undefined || !isAlive(pid)) return undefined
  const entry = join(paths.root, service.entry)
  return commandLine(pid).includes(entry) ? pid : undefined
}
