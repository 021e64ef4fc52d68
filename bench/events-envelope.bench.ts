/**
 * `order.placed` envelope: crypto-only ceiling of sign + multi-recipient encrypt and of one
 * subscriber's decrypt + verify, beside plain JSON (packages/events/test/bench/envelope-bench.ts).
 */
import { benchEnvelope } from '../packages/events/test/bench/envelope-bench.ts'

await benchEnvelope()
