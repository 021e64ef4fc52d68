/**
 * Envelope schemes for `order.placed` compared by measurement, crypto only, four recipients
 * (packages/events/test/bench/schemes-bench.ts). The chosen one is in docs/patterns/signed-encrypted-events.md.
 */
import { benchSchemes } from '../packages/events/test/bench/schemes-bench.ts'

await benchSchemes()
