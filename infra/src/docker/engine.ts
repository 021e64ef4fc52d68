/**
 * The project's own Docker engine: a dedicated `dockerd` whose data root, exec root, pid file,
 * socket and log all live under `.stack/docker/`, so it never touches (or depends on) a Docker
 * the machine may already run. No iptables rules, no default bridge, no IP forwarding: containers
 * reach each other on the user-defined bridge networks compose creates and the host reaches
 * published ports on loopback through docker-proxy; nothing is NATed out.
 *
 * `start` is idempotent (an engine that answers its ping is reused) and `stop` waits until the
 * daemon has exited, so a `stop; start` never races two daemons on one data root.
 */
import { spawn } from 'node:child_process'
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { StackPaths } from '@mythical/stack'
import { DockerEngineStartFailed, DockerToolMissing } from './errors.ts'
import { which } from './which.ts'

/** Files and folders of the project's engine, all under `.stack/docker/`. */
export interface EngineLayout {
  root: string
  dataRoot: string
  execRoot: string
  pidFile: string
  socket: string
  log: string
}

export function engineLayout(paths: StackPaths): EngineLayout {
  const root = join(paths.stack, 'docker')
  return {
    root,
    dataRoot: join(root, 'data'),
    execRoot: join(root, 'exec'),
    pidFile: join(root, 'dockerd.pid'),
    socket: join(root, 'docker.sock'),
    log: join(paths.logs, 'dockerd.log'),
  }
}

/** The `DOCKER_HOST` value that points a client (docker, docker-compose, testcontainers) at it. */
export const dockerHost = (layout: EngineLayout) => `unix://${layout.socket}`

/** The daemon's flags: everything it writes stays under the layout, and it changes no host networking. */
export function dockerdArguments(layout: EngineLayout): string[] {
  return [
    `--data-root=${layout.dataRoot}`,
    `--exec-root=${layout.execRoot}`,
    `--pidfile=${layout.pidFile}`,
    `--host=${dockerHost(layout)}`,
    '--iptables=false',
    '--ip-forward=false',
    '--bridge=none',
    // The engine never reaches a registry here; fail fast instead of waiting on one.
    '--max-download-attempts=1',
  ]
}

/** Whether an engine answers `GET /_ping` on the socket (2 s budget). */
export function pingEngine(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2_000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.once('timeout', () => req.destroy())
    req.once('error', () => resolve(false))
    req.end()
  })
}

async function daemonPid(layout: EngineLayout): Promise<number | undefined> {
  const text = await readFile(layout.pidFile, 'utf8').catch(() => '')
  const pid = Number.parseInt(text, 10)
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

/** How long a cold daemon (first start creates its data root) may take on a loaded machine. */
const START_TIMEOUT_MS = 90_000

/**
 * Starts the engine detached unless it already answers, and resolves once it does.
 *
 * @returns the `DOCKER_HOST` to use
 * @throws {DockerToolMissing} without `dockerd` on the PATH (Debian: `apt-get install docker.io`)
 * @throws {DockerEngineStartFailed} when it exits or stays silent; the log is named
 */
export async function startEngine(paths: StackPaths): Promise<string> {
  const layout = engineLayout(paths)
  if (await pingEngine(layout.socket)) return dockerHost(layout)
  const dockerd = await which('dockerd')
  if (!dockerd) {
    throw new DockerToolMissing('dockerd not found: install Debian\'s "docker.io" package')
  }
  if ((await daemonPid(layout)) !== undefined) await stopEngine(paths)
  await mkdir(layout.root, { recursive: true, mode: 0o700 })
  await mkdir(paths.logs, { recursive: true })
  await rm(layout.socket, { force: true })
  const log = await open(layout.log, 'a', 0o640)
  const child = spawn(dockerd, dockerdArguments(layout), {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
  })
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  child.unref()
  await log.close()
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (await pingEngine(layout.socket)) return dockerHost(layout)
    if (exited !== undefined) {
      throw new DockerEngineStartFailed(`dockerd exited with ${exited}: see ${layout.log}`)
    }
    await sleep(250)
  }
  throw new DockerEngineStartFailed(
    `dockerd did not answer within ${START_TIMEOUT_MS / 1000} s: see ${layout.log}`,
  )
}

/**
 * Stops the engine (SIGTERM: dockerd stops its containers first) and waits until it has exited.
 * Containers, images and volumes stay in the data root for the next start.
 */
export async function stopEngine(paths: StackPaths): Promise<boolean> {
  const layout = engineLayout(paths)
  const pid = await daemonPid(layout)
  if (pid === undefined) return false
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0)
    } catch {
      return true
    }
    await sleep(200)
  }
  process.kill(pid, 'SIGKILL')
  return true
}

/** Whether the project's engine is up, and where. */
export async function engineStatus(paths: StackPaths) {
  const layout = engineLayout(paths)
  return { running: await pingEngine(layout.socket), dockerHost: dockerHost(layout) }
}
