/**
 * `pnpm docker:engine start|stop|status` and `pnpm docker:images [--rebuild]`: the project's own
 * Docker engine, the stand-in base images (infra/docker/stand-ins/README.md) and the stack's image.
 * `start` prints `export DOCKER_HOST=…` so `eval "$(pnpm -s docker:engine start)"` works.
 */
import { exitWith } from './cli-exit.ts'
import { stackPaths } from '@mythical/stack'
import { engineStatus, startEngine, stopEngine } from './engine.ts'
import { NODE_SERVICE_IMAGE } from '../compose/images.ts'
import { buildNodeServiceImage } from './build-images.ts'
import { runDockerSmoke } from './smoke.ts'
import { dockerSmokeBlocker } from './smoke-preconditions.ts'
import { ensureStandInImages } from './stand-in-images.ts'

const paths = stackPaths()
const [command, argument] = process.argv.slice(2)
const log = (line: string) => console.error(line)

async function main(): Promise<number> {
  if (command === 'engine' && argument === 'start') {
    console.log(`export DOCKER_HOST=${await startEngine(paths)}`)
    return 0
  }
  if (command === 'engine' && argument === 'stop') {
    log((await stopEngine(paths)) ? 'docker engine stopped' : 'docker engine was not running')
    return 0
  }
  if (command === 'engine' && argument === 'status') {
    const status = await engineStatus(paths)
    console.log(`${status.running ? 'running' : 'stopped'}: DOCKER_HOST=${status.dockerHost}`)
    return status.running ? 0 : 3
  }
  if (command === 'images') {
    const env = { ...process.env, DOCKER_HOST: await startEngine(paths) }
    await ensureStandInImages(paths, { env, rebuild: argument === '--rebuild', log })
    const started = Date.now()
    await buildNodeServiceImage(paths, { env, stream: true })
    log(`${NODE_SERVICE_IMAGE}: ${Math.round((Date.now() - started) / 1000)} s`)
    return 0
  }
  if (command === 'smoke') {
    // `--when-possible` (pnpm test): print the path taken; skip, not fail, where Docker can't run.
    const blocker = argument === '--when-possible' ? await dockerSmokeBlocker() : undefined
    if (blocker) {
      log(`integration harness, Docker path: skipped (${blocker}); the local path runs every suite`)
      return 0
    }
    log('integration harness, Docker path: project engine + testcontainers (smoke suites)')
    return runDockerSmoke(paths, log)
  }
  log('usage: cli.ts engine start|stop|status | images [--rebuild] | smoke [--when-possible]')
  return 2
}

await exitWith(main, log)
