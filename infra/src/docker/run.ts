import { spawn, type SpawnOptions } from 'node:child_process'
import { DockerCommandFailed } from './errors.ts'

/** Options of {@link run}. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Print the command's output as it comes (long builds); otherwise only a failure shows it. */
  stream?: boolean
  /** Written to the command's standard input, then closed. */
  input?: NodeJS.ReadableStream
}

/**
 * Runs a command to completion.
 *
 * @returns its standard output
 * @throws {DockerCommandFailed} on a non-zero exit, with the tail of its output
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}) {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  }
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, spawnOptions)
    let out = ''
    let err = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (options.stream) process.stdout.write(chunk)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString()
      if (options.stream) process.stderr.write(chunk)
    })
    if (options.input && child.stdin) options.input.pipe(child.stdin)
    child.once('error', (cause) =>
      reject(new DockerCommandFailed(`${command} could not start`, { cause })),
    )
    child.once('close', (code) => {
      if (code === 0) return resolve(out)
      const tail = `${out}\n${err}`.trim().split('\n').slice(-25).join('\n')
      reject(new DockerCommandFailed(`${command} ${args.join(' ')} exited with ${code}\n${tail}`))
    })
  })
}
