/**
 * The instructions and cycles this process retires during a window, from the CPU's own counters
 * through `perf stat` (Debian's `linux-perf`). On a shared VM a request's time, and its cycles,
 * swing with the neighbours' load (± 20 % from one window to the next); the instructions it
 * retires do not (± 1 %), so they show a difference of a few per cent that time cannot.
 * Where `perf` is missing or the counters are not exposed, counting is simply unavailable.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

/** What one window retired. */
export interface Counts {
  readonly instructions: number
  readonly cycles: number
}

/** Time for `perf` to attach before the window's work starts (the process idles meanwhile). */
const ATTACH_MS = 300

/**
 * Starts counting this process (all its threads: the event loop, libuv's pool, V8's GC).
 *
 * @example
 * ```ts
 * const counting = await countThisProcess()
 * await work()
 * const counts = await counting?.stop() // undefined where perf cannot count
 * ```
 */
export async function countThisProcess(): Promise<{ stop(): Promise<Counts | undefined> }> {
  const perf = spawn(
    'perf',
    ['stat', '-x', ',', '-e', 'instructions,cycles', '-p', String(process.pid)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let report = ''
  perf.stderr.setEncoding('utf8').on('data', (chunk: string) => (report += chunk))
  const started = await Promise.race([
    once(perf, 'spawn').then(() => true),
    once(perf, 'error').then(() => false),
  ])
  if (started) await sleep(ATTACH_MS)
  return {
    async stop() {
      if (!started || perf.exitCode !== null) return undefined
      const exited = once(perf, 'close')
      perf.kill('SIGINT')
      await exited
      // CSV lines: value,unit,event,… ("<not supported>" where the VM hides a counter).
      const count = (event: string) =>
        Number(
          report
            .split('\n')
            .map((line) => line.split(','))
            .find((fields) => fields[2]?.startsWith(event))?.[0],
        )
      const counts = { instructions: count('instructions'), cycles: count('cycles') }
      return Number.isFinite(counts.instructions) && Number.isFinite(counts.cycles)
        ? counts
        : undefined
    },
  }
}
