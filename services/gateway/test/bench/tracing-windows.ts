/**
 * What tracing costs the gateway, measured in one process (bench/gateway-tracing.bench.ts runs
 * it with `--expose-gc`). One gateway, built as the stack runs it (its audit trail written unless
 * asked otherwise), under the process's tracing with a switched sampler: windows in which every
 * request's SERVER span with its decision events is recorded and exported over OTLP/HTTP with
 * mTLS alternate with windows that record nothing, in pairs on/off, off/on, … so a drift in the
 * machine's speed falls on both sides of a pair. Each window's CPU includes what it left behind:
 * its spans still queued (flushed) and its garbage (a full GC), both inside the measured window.
 * With `parts`, each round has four windows in rotating order, so what tracing costs is split
 * into its parts: off; spans recorded and discarded; recorded and serialized, not sent; on.
 */
import { loadWorkloadIdentity } from '@mythical/mtls'
import { stackPaths } from '@mythical/stack'
import type { OtlpProtocol } from '@mythical/telemetry'
import { startSwitchedTracing, type SpanFate } from '@mythical/telemetry/testing'
import { CONNECTIONS, startGatewayRig, WARM_UP_CALLS, type Window } from './gateway-rig.ts'

/**
 * Short windows, many pairs: this VM's speed drifts over seconds, so the two sides of a pair
 * one second apart see nearly the same machine (1 s pairs gave as narrow an interval in 2.5 min
 * as 3 s pairs in 14). Each window still opens its 16 connections afresh, on both sides alike.
 */
const WINDOW_SECONDS = 1
/** The discarded warm-up windows, one of each kind, are longer: every path compiled first. */
const WARM_UP_SECONDS = 3
/** Rounds (pairs, or with `parts` quadruples) when the caller does not say. */
const DEFAULT_PAIRS = 30

/** One kind of window: whether spans are recorded and, if so, what becomes of them. */
interface Arm {
  readonly recording: boolean
  readonly fate: SpanFate
}
/** As deployed against none: `on` and `off`. */
const PAIR = {
  on: { recording: true, fate: 'sent' },
  off: { recording: false, fate: 'sent' },
} satisfies Record<string, Arm>
/** The parts of `on`: what recording costs, then serializing, then sending. */
const PARTS = {
  off: PAIR.off,
  recorded: { recording: true, fate: 'discarded' },
  serialized: { recording: true, fate: 'serialized' },
  on: PAIR.on,
} satisfies Record<string, Arm>
/** A window of each arm, measured in a round. */
export type Round = Record<string, Window> & { on: Window; off: Window }

/** Options of {@link benchTracingWindows}. */
export interface TracingWindowsOptions {
  /** The OTLP/HTTP endpoint the spans go to (the bench's discarding sink). */
  readonly endpoint: string
  /** OTLP encoding, default `http/protobuf` as deployed. */
  readonly protocol?: OtlpProtocol
  /** The gateway's log and audit trail written as deployed (default) or silenced. */
  readonly writeAuditTrail?: boolean
  /** Rounds, default 30; more rounds, a narrower interval on a noisy machine. */
  readonly pairs?: number
  /** Four windows a round instead of two: off, recorded, serialized, on. */
  readonly parts?: boolean
}

/**
 * @example
 * ```ts
 * const { rounds } = await benchTracingWindows({ endpoint: sink.url })
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

  const window = async (arm: Arm, seconds = WINDOW_SECONDS): Promise<Window> => {
    // A new token's warm-up calls are not the window's, and are not recorded.
    tracing.record(false)
    await rig.renewTokenIfOld('gateway')
    tracing.recordedSpansAre(arm.fate)
    tracing.record(arm.recording)
    return rig.measure('gateway', seconds, async () => {
      await tracing.forceFlush()
      gc()
    })
  }

  try {
    // Warm-up requests are recorded too (the sampler starts on): 20 calls and one window.
    await rig.warmUp('gateway')
    const arms: [string, Arm][] = Object.entries(options.parts ? PARTS : PAIR)
    const warmUp = await window(PAIR.on, WARM_UP_SECONDS)
    for (const [name, arm] of arms) if (name !== 'on') await window(arm, WARM_UP_SECONDS)
    const rounds: Round[] = []
    for (let r = 0; r < (options.pairs ?? DEFAULT_PAIRS); r++) {
      // Rotated a place each round: every arm in every position (two arms: on/off, off/on, …).
      const order = arms.map((_, i) => arms[(i + r) % arms.length] as [string, Arm])
      const round: Record<string, Window> = {}
      for (const [name, arm] of order) round[name] = await window(arm)
      rounds.push(round as Round)
    }
    return {
      protocol,
      windowSeconds: WINDOW_SECONDS,
      connections: CONNECTIONS,
      arms: arms.map(([name]) => name),
      rounds,
      tracedRequests: rounds.reduce((n, p) => n + p.on.result.requests, 0),
      /**
       * Requests answered while recording, and the windows that recorded (each may also answer
       * requests wrk did not count): the sink's span count checks the switch.
       */
      recordedRequests:
        WARM_UP_CALLS +
        warmUp.result.requests +
        rounds.reduce((n, p) => n + p.on.result.requests, 0),
      recordingWindows: 1 + rounds.length,
      offResidualUsPerRequest: tracing.offResidualUsPerSpan(),
    }
  } finally {
    await rig.close()
    await tracing.shutdown()
  }
}
