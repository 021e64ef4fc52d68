/**
 * `pnpm bench gateway`: the gateway's full policy chain against a bare proxy and a proxy with one
 * ES256 verification per request (services/gateway/test/bench/gateway-bench.ts), then the cold
 * path. Needs `wrk` (`apt-get install -y wrk`). Figures go to docs/performance.md.
 */
import { benchGateway } from '../services/gateway/test/bench/gateway-bench.ts'
import { ensureStack } from './stack.ts'

const releaseStack = await ensureStack()
try {
  process.stdout.write(`${JSON.stringify(await benchGateway(), null, 2)}\n`)
} finally {
  await releaseStack()
}
