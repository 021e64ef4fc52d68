/**
 * `pnpm start`: the whole stack in the foreground, every service's output prefixed `[name]`.
 * Ctrl-C or SIGTERM — also during start-up — stops everything this run started, in reverse
 * order, including the PostgreSQL and RabbitMQ it started. A service that crashes is reported and
 * the rest keep running, as in `docker compose up`.
 */
import { type StackPaths, SERVICES, type ServiceDefinition } from '@mythical/stack'
import { bringUp, newStackState, type Launcher } from './bring-up.ts'
import { pipeWithPrefix, prefixer } from './log-prefix.ts'
import { spawnAttached } from './spawn-service.ts'
import {
  infrastructureRecord,
  removeStackManifest,
  serviceRecord,
  writeStackManifest,
} from './manifest-file.ts'
import { ownedNames } from './owned-infrastructure.ts'
import { tearDown } from './tear-down.ts'

export interface ForegroundOptions {
  readonly services?: readonly ServiceDefinition[]
  readonly out?: NodeJS.WriteStream
}

/**
 * Runs until SIGINT/SIGTERM.
 *
 * @returns the exit code: 0 after a requested stop, 1 when start-up failed
 */
export async function runForeground(
  paths: StackPaths,
  options: ForegroundOptions = {},
): Promise<number> {
  const out = options.out ?? process.stdout
  const services = options.services ?? SERVICES
  const prefix = prefixer(['stack', ...services.map((s) => s.name)], out)
  const log = (line: string) => out.write(`${prefix('stack')} ${line}\n`)

  const stopping = new AbortController()
  const stopRequested = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping.signal.aborted) {
        log(`${signal} again: already stopping`)
        return
      }
      log(`${signal}: stopping`)
      stopping.abort()
      resolve()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })

  const launch: Launcher = (service, env) => {
    const child = spawnAttached(service, { root: paths.root, env })
    let running = child.pid !== undefined
    child.on('exit', (code, signal) => {
      running = false
      if (!stopping.signal.aborted) log(`${service.name} exited (${signal ?? `code ${code}`})`)
    })
    child.on('error', (error) => {
      running = false
      log(`${service.name} could not start: ${error.message}`)
    })
    const name = prefix(service.name)
    if (child.stdout) pipeWithPrefix(child.stdout, name, out)
    if (child.stderr) pipeWithPrefix(child.stderr, name, out)
    return { pid: child.pid ?? -1, isRunning: () => running }
  }

  const state = newStackState()
  let exitCode = 0
  try {
    await bringUp({ paths, launch, state, log, signal: stopping.signal, services })
    writeStackManifest(paths, {
      startedAt: new Date().toISOString(),
      mode: 'foreground',
      services: state.services.map(({ service, pid }) => serviceRecord(service, pid)),
      infrastructure: [
        infrastructureRecord('postgres', state.infrastructureStarted.postgres),
        infrastructureRecord('rabbitmq', state.infrastructureStarted.rabbitmq),
      ],
    })
    log(`stack is up: ${state.services.length} services ready (Ctrl-C stops it)`)
    await stopRequested
  } catch (error) {
    if (!stopping.signal.aborted) {
      log(`start-up failed: ${(error as Error).message}`)
      exitCode = 1
    }
  }

  await tearDown({
    paths,
    services: state.services.filter((s) => s.startedHere).map((s) => s.service),
    infrastructure: ownedNames(state.infrastructureStarted),
    log,
  })
  removeStackManifest(paths)
  log('stopped')
  return exitCode
}
