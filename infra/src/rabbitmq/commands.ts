import { execFile } from 'node:child_process'
import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { RabbitmqCommandFailed, RabbitmqNotInstalled } from './errors.ts'
import { nodeEnvironment } from './layout.ts'
import type { RabbitmqLayout } from './layout.ts'

type Tool = 'rabbitmq-server' | 'rabbitmqctl' | 'epmd' | 'erlc'

/** The Debian package installs the server scripts in /usr/sbin, which a non-root PATH may lack. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/lib/rabbitmq/bin']

async function locate(tool: Tool): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const candidate = join(dir, tool)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

async function resolveTool(tool: Tool): Promise<string> {
  const found = await locate(tool)
  if (found) return found
  throw new RabbitmqNotInstalled('RabbitMQ not found: install the Debian package rabbitmq-server')
}

/** Throws {@link RabbitmqNotInstalled} unless `rabbitmq-server` and `rabbitmqctl` are on this machine. */
export async function assertRabbitmqInstalled(): Promise<void> {
  await resolveTool('rabbitmq-server')
  await resolveTool('rabbitmqctl')
}

interface RunResult {
  readonly ok: boolean
  readonly output: string
}

async function run(
  tool: Tool,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<RunResult> {
  const file = await resolveTool(tool)
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      // The Debian wrappers switch to the `rabbitmq` OS user with `su`, which keeps this env.
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout}${stderr}`.trim() }),
    )
  })
}

/**
 * Runs `rabbitmqctl -n <layout.nodeName> <args>` against the stack's node (never the machine's
 * own node) and returns its output; throws {@link RabbitmqCommandFailed} on a non-zero exit.
 */
export async function rabbitmqctl(
  layout: RabbitmqLayout,
  args: readonly string[],
  timeoutMs = 90_000,
): Promise<string> {
  const result = await run(
    'rabbitmqctl',
    ['-n', layout.nodeName, ...args],
    nodeEnvironment(layout),
    timeoutMs,
  )
  if (!result.ok) {
    throw new RabbitmqCommandFailed(`rabbitmqctl ${args[0] ?? ''} failed`, result.output)
  }
  return result.output
}

/** Like {@link rabbitmqctl} but reports failure instead of throwing (for probes). */
export async function tryRabbitmqctl(
  layout: RabbitmqLayout,
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<RunResult> {
  return run('rabbitmqctl', ['-n', layout.nodeName, ...args], nodeEnvironment(layout), timeoutMs)
}

/** `rabbitmq-server -detached` with the stack's environment: returns once the VM is forked. */
export async function spawnDetachedServer(layout: RabbitmqLayout): Promise<void> {
  const result = await run('rabbitmq-server', ['-detached'], nodeEnvironment(layout), 60_000)
  if (!result.ok) throw new RabbitmqCommandFailed('rabbitmq-server -detached failed', result.output)
}

/** Whether an epmd daemon answers on this machine (shared by every Erlang node on it). */
export async function isEpmdRunning(): Promise<boolean> {
  if (!(await locate('epmd'))) return false
  return (await run('epmd', ['-names'], { ERL_EPMD_ADDRESS: '127.0.0.1' }, 10_000)).ok
}

/**
 * `epmd -kill`: epmd itself refuses while any node is still registered with it, so this can never
 * take epmd away from the machine's own broker.
 */
export async function killIdleEpmd(): Promise<void> {
  await run('epmd', ['-kill'], { ERL_EPMD_ADDRESS: '127.0.0.1' }, 10_000)
}

/**
 * `erlc +deterministic -o <outDir> <source>`: compiles an Erlang module the node loads (Debian's
 * `erlang-base`, a dependency of `rabbitmq-server`, ships `erlc`). Same source, same bytes.
 */
export async function compileErlang(source: string, outDir: string): Promise<void> {
  const result = await run('erlc', ['+deterministic', '-o', outDir, source], {}, 60_000)
  if (!result.ok) throw new RabbitmqCommandFailed(`erlc ${source} failed`, result.output)
}
