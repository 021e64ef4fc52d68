/**
 * What the e2e suite reads from a running compose stack, put where `stackPaths()` finds it when
 * `MYTHICAL_STACK_DIR` points at `.stack/compose/`:
 * - `pki/` and `secrets/<identity>/`: copied out of the `pki-init` job's volumes (`docker cp` of
 *   its `/export`; CA keys are not there, they stay in the `pki-state` volume)
 * - `stack.json`: the services as the host reaches them (edge: `https://localhost:<port>`, the
 *   published port; internal: the container's address on the project network) and their pids
 * - `logs/<service>.log`: each container's output, followed while the suite runs, as the local
 *   runner writes its detached services' logs
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, openSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { SERVICES, type StackPaths } from '@mythical/stack'
import { serviceRecord, writeStackManifest } from '../runner/manifest-file.ts'
import { run } from '../docker/run.ts'
import { PKI_INIT } from './node-service.ts'
import type { ProjectContainer } from './project-containers.ts'
import { EXPORT_DIR } from './volumes.ts'

const byService = (containers: readonly ProjectContainer[], name: string): ProjectContainer => {
  const container = containers.find((c) => c.service === name)
  if (!container) throw new Error(`no container of ${name} in the compose project`)
  return container
}

/** Copies PKI and secrets out and writes `stack.json`; `paths.stack` is emptied first. */
export async function exportForE2e(
  paths: StackPaths,
  containers: readonly ProjectContainer[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  rmSync(paths.stack, { recursive: true, force: true })
  mkdirSync(paths.stack, { recursive: true })
  await run(
    'docker',
    ['cp', `${byService(containers, PKI_INIT).id}:${EXPORT_DIR}/.`, paths.stack],
    {
      env,
    },
  )
  writeStackManifest(paths, {
    startedAt: new Date().toISOString(),
    mode: 'detached',
    services: SERVICES.map((service) => {
      const container = byService(containers, service.name)
      const record = serviceRecord(service, container.pid)
      return service.exposure === 'edge'
        ? record
        : { ...record, url: `https://${container.address}:${service.port}` }
    }),
    infrastructure: [],
  })
}

/** Follows every service container's output into `logs/<service>.log`; returns the stopper. */
export function followServiceLogs(
  paths: StackPaths,
  containers: readonly ProjectContainer[],
  env: NodeJS.ProcessEnv,
): () => void {
  mkdirSync(paths.logs, { recursive: true })
  const followers: ChildProcess[] = SERVICES.map((service) => {
    const file = openSync(join(paths.logs, `${service.name}.log`), 'a')
    return spawn('docker', ['logs', '--follow', byService(containers, service.name).id], {
      env,
      stdio: ['ignore', file, file],
    })
  })
  return () => {
    for (const follower of followers) follower.kill('SIGTERM')
  }
}
