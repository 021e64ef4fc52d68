/**
 * `order.placed` end to end on the stack's real RabbitMQ and PostgreSQL (a vhost and a database of
 * the bench's own, see events-infra.ts), envelope vs plain JSON in the same run, beside the
 * envelope's crypto-only ceiling (packages/events/test/bench/pipeline-bench.ts). Needs the stack's
 * PostgreSQL and RabbitMQ running (`pnpm stack:up`). `EVENTS_BENCH_EVENTS` sets events per stage,
 * `EVENTS_BENCH_PREFETCH` the subscribers' prefetch (default: the services').
 */
import { ORDER_PLACED_SUBSCRIBERS } from '../packages/events/src/index.ts'
import { benchPipeline } from '../packages/events/test/bench/pipeline-bench.ts'
import { ensureEventsBench } from './events-infra.ts'

const events = Number(process.env.EVENTS_BENCH_EVENTS ?? 1000)
const prefetch = process.env.EVENTS_BENCH_PREFETCH
  ? Number(process.env.EVENTS_BENCH_PREFETCH)
  : undefined
const targets = await ensureEventsBench(Object.keys(ORDER_PLACED_SUBSCRIBERS))
const figures = await benchPipeline(targets, events, prefetch)

const rate = (n: number) => n.toFixed(0).padStart(8)
const load = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' ')
const { ceiling, concurrentCeiling, modes } = figures
console.log(
  `${figures.events} events per stage, prefetch ${prefetch ?? 'default'}; load average ${load(figures.loadBefore)} before, ` +
    `${load(figures.loadAfter)} after; body ${figures.bodyBytes.envelope} B sealed, ` +
    `${figures.bodyBytes.plain} B plain`,
)
const ceilingLine = (label: string, c: typeof ceiling) =>
  console.log(
    `crypto-only ceiling (CPU), ${label}: seal ${c.sealCpuMs.toFixed(2)} ms + 4 × open ` +
      `${c.openCpuMs.toFixed(2)} ms per event → ${c.perSecond.toFixed(0)} events/s on 2 cores`,
  )
ceilingLine('one operation at a time', ceiling)
ceilingLine('16 in flight', concurrentCeiling)
console.log('stage (events/s)                          envelope     plain  envelope/plain')
const row = (label: string, e: number, p: number) =>
  console.log(`${label.padEnd(40)} ${rate(e)}  ${rate(p)}  ${(e / p).toFixed(2).padStart(8)}`)
row(
  'publish: outbox → seal → confirm → mark',
  modes.envelope.publishPerSecond,
  modes.plain.publishPerSecond,
)
for (const subscriber of Object.keys(ORDER_PLACED_SUBSCRIBERS)) {
  row(
    `consume: ${subscriber}`,
    modes.envelope.consumePerSecond[subscriber] ?? 0,
    modes.plain.consumePerSecond[subscriber] ?? 0,
  )
}
row(
  'end to end (placed → all 4 done)',
  modes.envelope.endToEndPerSecond,
  modes.plain.endToEndPerSecond,
)
const cpuRow = (mode: 'envelope' | 'plain') => {
  const { node, postgres, broker } = modes[mode].endToEndCpuMsPerEvent
  const total = node + postgres + broker
  return (
    `${mode.padEnd(8)} node ${node.toFixed(2)} + PostgreSQL ${postgres.toFixed(2)} + RabbitMQ ` +
    `${broker.toFixed(2)} = ${total.toFixed(2)} ms → ${(2000 / total).toFixed(0)} events/s if 2 cores did nothing else`
  )
}
const cpuTotal = (mode: 'envelope' | 'plain') =>
  Object.values(modes[mode].endToEndCpuMsPerEvent).reduce((a, b) => a + b, 0)
console.log('CPU per event, end to end (the broker figure includes its other vhosts):')
console.log(`  ${cpuRow('envelope')}`)
console.log(`  ${cpuRow('plain')}`)
const share = (perSecond: number, c: typeof ceiling) =>
  `${((100 * perSecond) / c.perSecond).toFixed(0)} %`
const onCpuAlone = 2000 / cpuTotal('envelope')
console.log(
  `  envelope on CPU alone: ${share(onCpuAlone, ceiling)} of the ceiling one at a time, ` +
    `${share(onCpuAlone, concurrentCeiling)} of it 16 in flight`,
)
const endToEnd = modes.envelope.endToEndPerSecond
console.log(
  `end to end with the envelope: ${share(endToEnd, ceiling)} of the crypto-only ceiling one ` +
    `operation at a time, ${share(endToEnd, concurrentCeiling)} of it 16 in flight ` +
    `(target ≥ 70 %, and ≥ 300 events/s)`,
)
