/**
 * What tracing costs the gateway, measured in one process (bench/gateway-tracing.bench.ts runs
 * it with `--expose-gc`). One gateway, built as the stack runs it (its audit trail written unless
 * asked otherwise), under the process's tracing with a switched sampler: windows in which every
 * request's SERVER span with its decision events is recorded and exported over OTLP/HTTP with
 * mTLS alternate with windows that record nothing, in pairs on/off, off/on, … so a drift in the
 * machine's speed falls on both sides of a pair. Each window's CPU includes what it left behind:
 * its spans still queued (flushed) and its garbage (a full GC), both inside the measured window.
 */
import { loadWorkloadIdentity } from '@mythical/mtls'
import { stackPaths } from '@mythical/stack'
import type { OtlpProtocol } from '@mythical/telemetry'
import { startSwitchedTracing } from '@mythical/telemetry/testing'
import { CONNECTIONS, startGatewayRig, WARM_UP_CALLS, type Window } from './gateway-rig.ts'

/**
 * Short windows, many pairs: this VM's speed drifts over seconds, so the two sides of a pair
 * one second apart see nearly the same machine (1 s pairs gave as narrow an interval in 2.5 min
 * as 3 s pairs in 14). Each window still opens its 16 connections afresh, on both sides alike.
 */
const WINDOW_SECONDS = 1
/** The two discarded windows first are longer: both paths compiled before anything counts. */
const WARM_UP_SECONDS = 3
/** Pairs when the caller does not say. */
const DEFAULT_PAIRS = 30

/** Options of {@link benchTracingWindows}. */
export interface TracingWindowsOptions {
  /** The OTLP/HTTP endpoint the spans go to (the bench's discarding sink). */
  readonly endpoint: string
  /** OTLP encoding, default `http/protobuf` as deployed. */
  readonly protocol?: OtlpProtocol
  /** The gateway's log and audit trail written as deployed (default) or silenced. */
  readonly writeAuditTrail?: boolean
  /** Pairs of windows, default 30; more pairs, a narrower interval on a noisy machine. */
  readonly pairs?: number
}

/**
 * @example
 * ```ts
 * const { pairs } = await benchTracingWindows({ endpoint: sink.url })
 * ```
 */
export async function benchTracingWindows(options: TracingWindowsOptions) {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc: each window ends with a full GC')
  const identity = loadWorkloadIdentity(stackPaths().secrets('gateway'))
  const protocol = options.protocol ?? 'http/protobuf'
  const tracing = startSwitchedTracing('gateway', identity, options.endpoint, protocol)
  const rig = await startGatewayRig({
    writeAuditTrail: options.writeAuditTrail ?? true,
    countHardware: true,
  })

  const window = async (recording: boolean, seconds = WINDOW_SECONDS): Promise<Window> => {
    // A new token's warm-up calls are not the window's, and are not recorded.
    tracing.record(false)
    await rig.renewTokenIfOld('gateway')
    tracing.record(recording)
    return rig.measure('gateway', seconds, async () => {
      await tracing.forceFlush()
      gc()
    })
  }

  try {
    // Warm-up requests are recorded too (the sampler starts on): 20 calls and one window.
    await rig.warmUp('gateway')
    const warmUp = await window(true, WARM_UP_SECONDS)
    await window(false, WARM_UP_SECONDS)
    const pairs: { on: Window; off: Window }[] = []
    for (let p = 0; p < (options.pairs ?? DEFAULT_PAIRS); p++) {
      const onFirst = p % 2 === 0
      const first = await window(onFirst)
      const second = await window(!onFirst)
      pairs.push(onFirst ? { on: first, off: second } : { on: second, off: first })
    }
    return {
      protocol,
      windowSeconds: WINDOW_SECONDS,
      connections: CONNECTIONS,
      pairs,
      tracedRequests: pairs.reduce((n, p) => n + p.on.result.requests, 0),
      /**
       * Requests answered while recording, and the windows that recorded (each may also answer
       * requests wrk did not count): the sink's span count checks the switch.
       */
      recordedRequests:
        WARM_UP_CALLS +
        warmUp.result.requests +
        pairs.reduce((n, p) => n + p.on.result.requests, 0),
      recordingWindows: 1 + pairs.length,
      offResidualUsPerRequest: tracing.offResidualUsPerSpan(),
    }
  } finally {
    await rig.close()
    await tracing.shutdown()
  }
}
