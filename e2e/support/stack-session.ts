/**
 * The stack the specs run against: the one `pnpm stack:up` (or `pnpm start`) already runs, reused
 * as it is, or else one brought up here and taken down again afterwards. Taking it down goes
 * through `stack:down`, which stops the services and only the PostgreSQL/RabbitMQ that this
 * `stack:up` started itself — servers someone else runs are never touched.
 *
 * With `MYTHICAL_STACK_DIR` set, the stack is one described there by whoever runs it (`pnpm
 * test:compose` exports a compose stack's description, PKI and logs into `.stack/compose/`):
 * the suite only checks its edge services answer, and never starts, stops or restarts it.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { probeService, readStackManifest } from '@mythical/infra'
import { SERVICES, STACK_DIR_VARIABLE, stackPaths } from '@mythical/stack'

const paths = stackPaths()
/** The folder of a stack run elsewhere (compose), when the suite is pointed at one. */
const externalStack = process.env[STACK_DIR_VARIABLE]

/** Runs one of the stack CLIs (`stack-up`, `stack-down`) on this Node, output passed through. */
function runStackCli(name: 'stack-up' | 'stack-down'): void {
  const cli = join(paths.root, 'infra', 'src', 'cli', `${name}.ts`)
  const { status } = spawnSync(process.execPath, [cli], { cwd: paths.root, stdio: 'inherit' })
  if (status !== 0) throw new Error(`pnpm ${name.replace('-', ':')} failed (exit ${status})`)
}

/**
 * Names of the manifest's services that do not answer `/readyz` (only the edge ones of an external
 * stack: the host reaches nothing else of a compose stack by its published ports).
 */
async function servicesNotReady(): Promise<string[]> {
  const probed = externalStack ? SERVICES.filter((s) => s.exposure === 'edge') : SERVICES
  const results = await Promise.all(
    probed.map(async (service) => ({ service, probe: await probeService(paths, service) })),
  )
  return results.filter(({ probe }) => !probe.ok).map(({ service }) => service.name)
}

/**
 * Reuses a running stack or starts one; resolves to the function that undoes exactly what this
 * call did (nothing, for a reused stack).
 *
 * @throws when a stack is recorded as running but some of its services are not ready: tearing
 * down or repairing someone else's stack is not the test run's decision.
 */
export async function useOrStartStack(log: (line: string) => void): Promise<() => Promise<void>> {
  if (externalStack) {
    if (!readStackManifest(paths)) throw new Error(`no stack.json in ${externalStack}`)
    const notReady = await servicesNotReady()
    if (notReady.length > 0)
      throw new Error(`the stack in ${externalStack} is not ready (${notReady.join(', ')})`)
    log(`e2e: the stack described in ${externalStack} (never started or stopped here)`)
    return async () => {}
  }
  if (readStackManifest(paths)) {
    const notReady = await servicesNotReady()
    if (notReady.length > 0) {
      throw new Error(
        `a stack is running but not ready (${notReady.join(', ')}): ` +
          'fix it or run `pnpm stack:down`, then run the e2e suite again',
      )
    }
    log('e2e: reusing the running stack')
    return async () => {}
  }
  log('e2e: no stack running, starting one with stack:up')
  runStackCli('stack-up')
  return async () => {
    log('e2e: stopping the stack this run started')
    runStackCli('stack-down')
  }
}

/**
 * Starts whatever service of a running stack is down again (`stack:up` is idempotent: running
 * services are kept, stopped ones started and awaited ready).
 */
export function restoreStack(): void {
  if (externalStack) throw new Error(`the stack in ${externalStack} is not this suite's to restart`)
  runStackCli('stack-up')
}
