/**
 * Builds a service needs before it starts (the manifest's `build`, today the web's Next.js
 * pages), so `pnpm start` on a fresh clone serves what is in the tree: the build runs when its
 * output is missing or older than any source file of the service's folder, and is skipped
 * otherwise (a restart costs nothing).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ServiceDefinition, StackPaths } from '@mythical/stack'
import { ServiceBuildFailedError } from './errors.ts'

/** Folders inside a service folder that are outputs or dependencies, never sources. */
const NOT_SOURCES = new Set(['node_modules', '.next', 'test', 'test-results'])

async function newestSourceMtime(folder: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (NOT_SOURCES.has(entry.name)) continue
    const path = join(folder, entry.name)
    const mtime = entry.isDirectory()
      ? await newestSourceMtime(path)
      : entry.isFile()
        ? (await stat(path)).mtimeMs
        : 0
    newest = Math.max(newest, mtime)
  }
  return newest
}

/** Whether the service's build output is missing or older than its sources. */
export async function isBuildStale(root: string, service: ServiceDefinition): Promise<boolean> {
  if (!service.build) return false
  const output = await stat(join(root, service.build.output)).catch(() => undefined)
  if (!output) return true
  return (await newestSourceMtime(join(root, service.build.folder))) > output.mtimeMs
}

/**
 * Runs `pnpm run <script>` in the folder of every service whose build is stale.
 *
 * @throws {ServiceBuildFailedError} naming the service, with the build's last output lines
 */
export async function ensureServiceBuilds(
  paths: StackPaths,
  services: readonly ServiceDefinition[],
  log: (line: string) => void,
): Promise<void> {
  for (const service of services) {
    if (!service.build || !(await isBuildStale(paths.root, service))) continue
    log(`${service.name}: building (${service.build.script})`)
    const child = spawn('pnpm', ['run', service.build.script], {
      cwd: join(paths.root, service.build.folder),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const [code] = (await once(child, 'exit')) as [number | null]
    if (code !== 0) {
      throw new ServiceBuildFailedError(`${service.name} build failed (exit ${code}):\n${output}`)
    }
    log(`${service.name}: built`)
  }
}
