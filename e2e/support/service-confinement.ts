/**
 * The confinement a service of the running stack runs under (TB13): its Node permission flags,
 * read from the command line of its live process (`/proc/<pid>/cmdline`), and a throw-away
 * process started with exactly those flags, as that service (`SERVICE_NAME`), to try what the
 * service's own code could try. The running service itself is never touched.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { readStackManifest } from '@mythical/infra'
import { stackPaths } from '@mythical/stack'

const run = promisify(execFile)
const paths = stackPaths()

/** The live process of `service`: its Node binary and the flags before its entry script. */
export function runningConfinement(service: string): { node: string; flags: string[] } {
  const entry = readStackManifest(paths)?.services.find((s) => s.name === service)
  if (entry?.pid === undefined) throw new Error(`${service} is not running under this stack`)
  const argv = readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
  const [node = '', ...rest] = argv
  const script = rest.findIndex((arg) => !arg.startsWith('--'))
  return { node, flags: script === -1 ? rest : rest.slice(0, script) }
}

/**
 * Runs `code` (an ES module) under `service`'s running confinement; returns its stdout lines
 * parsed as JSON (the code's own results and the audit lines the loggers write).
 */
export async function runConfinedAs(
  service: string,
  code: string,
): Promise<Record<string, unknown>[]> {
  const { node, flags } = runningConfinement(service)
  const { stdout } = await run(node, [...flags, '--input-type=module', '--eval', code], {
    cwd: paths.root,
    env: { PATH: process.env.PATH ?? '', SERVICE_NAME: service },
  })
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
