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

/**
 * @example
 * ```ts
 * const result = runWrk({ url, token, proofs, seconds: 10, connections: 16, dir })
 * ```
 */
export async function runWrk(opts: {
  url: string
  token: string
  proofs: readonly string[]
  seconds: number
  connections: number
  dir: string
}): Promise<WrkResult> {
  const script = join(opts.dir, 'proofs.lua')
  const proofsFile = join(opts.dir, 'proofs.txt')
  writeFileSync(script, SCRIPT)
  writeFileSync(proofsFile, `${opts.proofs.join('\n')}\n`)
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
