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
const { ceiling, modes } = figures
console.log(
  `${figures.events} events per stage, prefetch ${prefetch ?? 'default'}; load average ${load(figures.loadBefore)} before, ` +
    `${load(figures.loadAfter)} after; body ${figures.bodyBytes.envelope} B sealed, ` +
    `${figures.bodyBytes.plain} B plain`,
)
console.log(
  `crypto-only ceiling (CPU): seal ${ceiling.sealCpuMs.toFixed(2)} ms + 4 × open ` +
    `${ceiling.openCpuMs.toFixed(2)} ms per event → ${ceiling.perSecond.toFixed(0)} events/s on 2 cores`,
)
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
console.log(
  `  envelope on CPU alone: ${((100 * 2000) / cpuTotal('envelope') / ceiling.perSecond).toFixed(0)} % of the ceiling`,
)
console.log(
  `end to end with the envelope: ${((100 * modes.envelope.endToEndPerSecond) / ceiling.perSecond).toFixed(0)} % ` +
    `of the crypto-only ceiling (target ≥ 70 %, and ≥ 300 events/s)`,
)
