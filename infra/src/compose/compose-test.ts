/**
 * `pnpm test:compose`: the compose stack, run for real on the project's Docker engine.
 * 1. builds the images (stand-in bases where no registry is reachable, then the stack's image);
 *    `--no-build` takes them as `pnpm docker:images` left them (a build needs no port, so it can
 *    run before the local stack is taken down)
 * 2. `up -d` under its own project name, and waits until every service is healthy and both jobs
 *    (`pki-init`, `db-provision`) completed
 * 3. exports what the e2e suite reads into `.stack/compose/` (export-for-e2e.ts) and runs the e2e
 *    specs against the published ports (e2e-plan.ts prints what it leaves out, and why), and the
 *    compose broker's name-constraint check (infra/test/compose/)
 * 4. always `down -v`, then checks that no container, network or volume of the project is left
 * Exits non-zero when any step fails. The local stack must be down: both publish the same ports.
 */
import { exitWith } from '../docker/cli-exit.ts'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { STACK_DIR_VARIABLE, stackPaths } from '@mythical/stack'
import { buildNodeServiceImage } from '../docker/build-images.ts'
import { startEngine } from '../docker/engine.ts'
import { ComposeRunFailed } from '../docker/errors.ts'
import { run } from '../docker/run.ts'
import { ensureStandInImages } from '../docker/stand-in-images.ts'
import { readStackManifest } from '../runner/manifest-file.ts'
import { composeCommand } from './compose-command.ts'
import { composeDocument } from './compose-document.ts'
import { exclusionLines, playwrightRuns } from './e2e-plan.ts'
import { exportForE2e, followServiceLogs } from './export-for-e2e.ts'
import { DB_PROVISION, PKI_INIT } from './node-service.ts'
import {
  COMPOSE_TEST_PROJECT,
  projectContainers,
  projectLeftovers,
  type ProjectContainer,
} from './project-containers.ts'

const TEST_PROJECT = COMPOSE_TEST_PROJECT
const JOBS = new Set([PKI_INIT, DB_PROVISION])
const HEALTHY_TIMEOUT_MS = 8 * 60_000

const paths = stackPaths()

/** The gateway's feedback-loop window (`services/gateway/policies.json`), in seconds. */
const feedbackWindowSeconds = (): number =>
  (
    JSON.parse(readFileSync(join(paths.root, 'services', 'gateway', 'policies.json'), 'utf8')) as {
      feedbackLoop: { windowSeconds: number }
    }
  ).feedbackLoop.windowSeconds
const exportRoot = join(paths.stack, 'compose')
const log = (line: string) => console.error(`test:compose: ${line}`)
const figures: string[] = []

async function timed<T>(step: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now()
  try {
    return await body()
  } finally {
    figures.push(`${step} ${Math.round((Date.now() - started) / 1000)} s`)
    log(`${step}: ${Math.round((Date.now() - started) / 1000)} s`)
  }
}

/** Why the project is not (yet) up: containers not healthy, or jobs not completed. */
function notReady(containers: readonly ProjectContainer[]): {
  waiting: string[]
  failed: string[]
} {
  const expected = Object.keys(composeDocument().services)
  const waiting: string[] = []
  const failed: string[] = []
  for (const service of expected) {
    const c = containers.find((container) => container.service === service)
    if (!c) waiting.push(`${service} (not created)`)
    else if (JOBS.has(service)) {
      if (c.state === 'exited' && c.exitCode !== 0) failed.push(`${service} exited ${c.exitCode}`)
      else if (c.state !== 'exited') waiting.push(`${service} (${c.state})`)
    } else if (c.state !== 'running') failed.push(`${service} ${c.state} (exit ${c.exitCode})`)
    else if (c.health === 'unhealthy') failed.push(`${service} unhealthy`)
    else if (c.health !== 'healthy') waiting.push(`${service} (${c.health || 'no health'})`)
  }
  return { waiting, failed }
}

async function waitHealthy(env: NodeJS.ProcessEnv): Promise<ProjectContainer[]> {
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS
  for (;;) {
    const containers = await projectContainers(TEST_PROJECT, env)
    const { waiting, failed } = notReady(containers)
    if (failed.length > 0) throw new ComposeRunFailed(`not healthy: ${failed.join(', ')}`)
    if (waiting.length === 0) return containers
    if (Date.now() > deadline)
      throw new ComposeRunFailed(`timed out waiting for ${waiting.join(', ')}`)
    await sleep(5_000)
  }
}

/** Runs a command with inherited output; resolves to its exit code. */
function runInherited(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = paths.root) {
  return new Promise<number>((resolve) => {
    const child = spawn(command, args, { env, cwd, stdio: 'inherit' })
    child.once('error', () => resolve(127))
    child.once('close', (code) => resolve(code ?? 1))
  })
}

async function printFailedLogs(env: NodeJS.ProcessEnv): Promise<void> {
  const containers = await projectContainers(TEST_PROJECT, env)
  const { failed } = notReady(containers)
  for (const service of failed.map((line) => line.split(' ')[0] ?? '')) {
    const id = containers.find((c) => c.service === service)?.id
    if (!id) continue
    const output = await run('docker', ['logs', '--tail', '40', id], { env }).catch(
      (e: Error) => e.message,
    )
    log(`--- last lines of ${service} ---\n${output}`)
  }
}

async function main(): Promise<number> {
  if (readStackManifest(paths)) {
    log('the local stack is up and holds the same ports: run `pnpm stack:down` first')
    return 2
  }
  const env = {
    ...process.env,
    DOCKER_HOST: await startEngine(paths),
    COMPOSE_PROJECT_NAME: TEST_PROJECT,
  }
  const compose = await composeCommand(env)
  const composeRun = (...args: string[]) =>
    run(compose[0] ?? 'docker-compose', [...compose.slice(1), '-p', TEST_PROJECT, ...args], {
      env,
      cwd: paths.root,
      stream: true,
    })
  log(`${compose.join(' ')}, engine ${env.DOCKER_HOST}, project ${TEST_PROJECT}`)

  if (process.argv.includes('--no-build')) log('--no-build: the images `pnpm docker:images` built')
  else
    await timed('images', async () => {
      await ensureStandInImages(paths, { env, log })
      await buildNodeServiceImage(paths, { env })
    })

  let failures = 0
  let stopLogs = () => {}
  try {
    const containers = await timed('up until healthy', async () => {
      await composeRun('up', '-d', '--no-build')
      return waitHealthy(env)
    })
    const e2eEnv = { ...process.env, [STACK_DIR_VARIABLE]: exportRoot }
    const exported = stackPaths(undefined, exportRoot)
    await exportForE2e(exported, containers, env)
    stopLogs = followServiceLogs(exported, containers, env)

    const brokerCheck = await timed('broker name-constraint check', () =>
      runInherited(
        process.execPath,
        ['--test', '--test-reporter=spec', 'infra/test/compose/broker-name-constraints.test.ts'],
        { ...env, ...e2eEnv },
      ),
    )
    if (brokerCheck !== 0) failures += 1

    for (const line of exclusionLines()) log(`left out: ${line}`)
    const specs = readdirSync(join(paths.root, 'e2e', 'specs')).filter((f) =>
      f.endsWith('.spec.ts'),
    )
    const e2e = await timed('e2e', async () => {
      let failed = 0
      for (const { args, pauseSeconds } of playwrightRuns(specs, feedbackWindowSeconds())) {
        if (pauseSeconds > 0) {
          log(`waiting ${pauseSeconds} s: the gateway's feedback-loop window (e2e-plan.ts)`)
          await sleep(pauseSeconds * 1000)
        }
        const exit = await runInherited(
          'pnpm',
          ['--filter', '@mythical/e2e', 'exec', 'playwright', 'test', ...args],
          e2eEnv,
        )
        if (exit !== 0) failed += 1
      }
      return failed
    })
    if (e2e !== 0) failures += 1
  } catch (error) {
    failures += 1
    const { code, message } = error as { code?: string; message: string }
    log(`${code ?? 'ERROR'}: ${message}`)
    await printFailedLogs(env).catch((e: Error) => log(`could not read the logs: ${e.message}`))
  } finally {
    stopLogs()
    await timed('down -v', () => composeRun('down', '-v', '--remove-orphans')).catch(
      (error: Error) => {
        failures += 1
        log(`down -v failed: ${error.message}`)
      },
    )
    const leftovers = await projectLeftovers(TEST_PROJECT, env)
    if (leftovers.length > 0) {
      failures += 1
      log(`left behind: ${leftovers.join(', ')}`)
    } else log('down -v left no container, network or volume of the project')
    rmSync(exportRoot, { recursive: true, force: true })
  }
  log(`figures: ${figures.join(', ')}`)
  return failures === 0 ? 0 : 1
}

await exitWith(main, log)
