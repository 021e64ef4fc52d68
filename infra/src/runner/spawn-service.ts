/**
 * Starts one service process: Node 24 (the runner's own `process.execPath`, i.e. the pinned
 * `node` devDependency) running the service's TypeScript entry, with only the contract
 * environment plus what a process needs to run (`PATH`, locale, time zone). The runner's own
 * environment — an operator's tokens, cloud credentials — is not passed on. Each service runs
 * under Node's permission model: it reads its code, the public PKI and its own secrets, nothing
 * else (service-permissions.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ServiceDefinition } from '@mythical/stack'
import { nodeArguments } from './resources.ts'
import { permissionArguments } from './service-permissions.ts'

const PASSED_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const

export interface SpawnOptions {
  /** Repository root: the working directory, against which `service.entry` is resolved. */
  readonly root: string
  /** The contract variables from `serviceEnvironment`. */
  readonly env: Record<string, string>
}

function processEnvironment(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {}
  for (const name of PASSED_THROUGH) {
    const value = process.env[name]
    if (value !== undefined) base[name] = value
  }
  return { ...base, ...env }
}

const argumentsFor = (service: ServiceDefinition, options: SpawnOptions): string[] => [
  ...nodeArguments(service),
  ...permissionArguments(service, options),
  join(options.root, service.entry),
]

/**
 * Detached service (`stack:up`): its own session and process group, output written to
 * `logFile`, not tied to the runner, which may exit right after.
 *
 * @returns the pid, which is also the process-group id
 */
export function spawnDetached(
  service: ServiceDefinition,
  options: SpawnOptions & { readonly logFile: string },
): number {
  mkdirSync(dirname(options.logFile), { recursive: true })
  // A fresh log per start: the tail printed on failure is this run's, not an older one's.
  const log = openSync(options.logFile, 'w')
  try {
    const child = spawn(process.execPath, argumentsFor(service, options), {
      cwd: options.root,
      env: processEnvironment(options.env),
      detached: true,
      stdio: ['ignore', log, log],
    })
    child.unref()
    if (child.pid === undefined) throw new Error(`could not start ${service.name}`)
    return child.pid
  } finally {
    closeSync(log) // the child holds its own copy of the descriptor
  }
}

/**
 * Attached service (`pnpm start`): piped output for the `[name]` prefixer, yet its own process
 * group, so the terminal's Ctrl-C reaches only the runner, which stops services in order.
 */
export function spawnAttached(service: ServiceDefinition, options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, argumentsFor(service, options), {
    cwd: options.root,
    env: processEnvironment(options.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}
