/**
 * Runs wrk (C, its own process: the load generator does not share the servers' event loop)
 * against one URL, each request with the next pre-signed DPoP proof from a file — proofs are
 * one-time (`jti`), so none is sent twice — and parses throughput and latency percentiles.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** What one run measured. */
export interface WrkResult {
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  readonly non2xx: number
}

const SCRIPT = `
local proofs = {}
local next = 1
init = function(args)
  for line in io.lines(args[1]) do proofs[#proofs + 1] = line end
end
request = function()
  local proof = proofs[next]
  next = next + 1
  if next > #proofs then next = 1 end
  wrk.headers["dpop"] = proof
  return wrk.format("GET", wrk.path)
end
`

function milliseconds(value: string, unit: string): number {
  const n = Number(value)
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n
}

/** wrk's script and the proofs it sends, written to `dir`: before a measured window, not in it. */
export interface WrkInputs {
  readonly script: string
  readonly proofsFile: string
}

/** Writes the script and the pre-signed proofs for the next {@link runWrk}. */
export function writeWrkInputs(dir: string, proofs: readonly string[]): WrkInputs {
  const inputs = { script: join(dir, 'proofs.lua'), proofsFile: join(dir, 'proofs.txt') }
  writeFileSync(inputs.script, SCRIPT)
  writeFileSync(inputs.proofsFile, `${proofs.join('\n')}\n`)
  return inputs
}

/**
 * @example
 * ```ts
 * const inputs = writeWrkInputs(dir, proofs)
 * const result = await runWrk({ url, token, inputs, seconds: 10, connections: 16 })
 * ```
 */
export async function runWrk(opts: {
  url: string
  token: string
  inputs: WrkInputs
  seconds: number
  connections: number
}): Promise<WrkResult> {
  const { script, proofsFile } = opts.inputs
  // Asynchronously: the servers under test share this process's event loop.
  const wrk = spawn(
    'wrk',
    [
      '-t1',
      `-c${opts.connections}`,
      `-d${opts.seconds}s`,
      '--latency',
      '-H',
      `authorization: DPoP ${opts.token}`,
      '-s',
      script,
      opts.url,
      '--',
      proofsFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  wrk.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const [status] = (await once(wrk, 'close')) as [number | null]
  if (status !== 0) throw new Error(`wrk exited with ${String(status)}`)
  const latency = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
    if (!m?.[1] || !m[2]) throw new Error(`no p${p} in wrk output:\n${out}`)
    return milliseconds(m[1], m[2])
  }
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
  if (requests === 0) throw new Error(`wrk completed no request:\n${out}`)
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    requests,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  }
}
