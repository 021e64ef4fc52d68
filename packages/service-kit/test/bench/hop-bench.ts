/**
 * One internal hop, secured against plain (`pnpm bench hop`, entry bench/hop.bench.ts): the same
 * fastify handler behind
 *
 * - `plain HTTP`: a bare fastify server, called over a keep-alive HTTP connection;
 * - `mTLS + JWT + cached exchange`: the hop kit (`startTestHop`: mTLS with the caller's workload
 *   id checked against the call graph, ES256 access-token verification, audience, certificate
 *   binding, scope, one audit record per decision), called through `callService` — the
 *   caller's token exchange answered from the token client's cache, keep-alive mTLS.
 *
 * Both in this process, one request at a time, in alternating rounds so that load on the shared
 * machine falls on both alike. Latency is per call as the caller sees it (client + server).
 */
import { performance } from 'node:perf_hooks'
import { LoadingCache, ExpiringCache, type TokenClient } from '@mythical/oauth'
import fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { Agent, request } from 'undici'
import { createDownstreamClient } from '../../src/index.ts'
import {
  createTestCa,
  createTestIssuer,
  createTestSecrets,
  startTestHop,
  type TestIssuer,
} from '../../src/testing/index.ts'

/** The caller and the callee: an edge of the call graph with an access token. */
const CALLER = 'order-fulfillment-api'
const CALLEE = 'orders-api'
const PATH = '/orders/9b2f6f0e-4c1a-4f6e-8d3b-2a7c5e1f0a11'

/** The handler both servers run: a small order, as orders-api answers. */
const orderHandler = async (
  req: FastifyRequest<{ Params: { id: string } }>,
  _reply: FastifyReply,
) => ({
  id: req.params.id,
  status: 'placed',
  items: [{ sku: 'sku-helmet', quantity: 2, priceCents: 6900 }],
  totalCents: 13800,
  currency: 'EUR',
  card: { brand: 'visa', last4: '1111' },
  createdAt: '2026-11-30T12:00:00.000Z',
})

/** The test issuer's exchanging client with the real token client's cache in front of it. */
function cachedTokens(tokens: TokenClient): TokenClient {
  const cache = new LoadingCache<Awaited<ReturnType<TokenClient['exchangeTokenFor']>>>()
  return {
    exchangeTokenFor: (subjectToken, audience, options) =>
      cache.load(
        ExpiringCache.keyOf('exchange', subjectToken, audience, options?.scope ?? ''),
        () => tokens.exchangeTokenFor(subjectToken, audience, options),
        (token) => token.expiresAt - 30_000,
      ),
    clientCredentialsFor: (audience, options) => tokens.clientCredentialsFor(audience, options),
  }
}

/** Percentiles (ms) of per-call latencies. */
export interface LatencyFigures {
  readonly calls: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly mean: number
}

function figures(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  const round = (ms: number) => Math.round(ms * 1000) / 1000
  return {
    calls: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    mean: round(sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length),
  }
}

/** The two hops, ready to call. */
export interface HopPair {
  plain(): Promise<void>
  secured(): Promise<void>
  close(): Promise<void>
}

export async function startHopPair(): Promise<HopPair> {
  const ca = await createTestCa('retail')
  const idp: TestIssuer = await createTestIssuer()
  const secured = await startTestHop(CALLEE, {
    ca,
    idp,
    routes: (app) =>
      app.get(
        PATH.replace(/[^/]+$/, ':id'),
        { config: { access: { scopes: ['orders:read'] } } },
        orderHandler,
      ),
  })
  const plainApp = fastify()
  plainApp.get(PATH.replace(/[^/]+$/, ':id'), orderHandler)
  await plainApp.listen({ host: '127.0.0.1', port: 0 })
  const plainUrl = `http://127.0.0.1:${(plainApp.server.address() as { port: number }).port}`
  const plainAgent = new Agent({ keepAliveTimeout: 60_000, connections: 1 })

  const caller = await createTestSecrets(CALLER, { ca })
  const downstream = createDownstreamClient({
    service: CALLER,
    identity: caller.identity,
    targets: { [CALLEE]: secured.url },
    tokens: cachedTokens(idp.tokenClient(caller.identity)),
  })
  // What my-shopping-api forwarded: Katie's token for this service, the subject of the exchange.
  const subjectToken = await idp.mint({
    audience: CALLER,
    boundTo: caller.identity,
    sub: 'katie',
    scope: 'orders:read orders:write',
    clientId: 'my-shopping-api',
  })

  return {
    async plain() {
      const res = await request(`${plainUrl}${PATH}`, { dispatcher: plainAgent })
      const body = (await res.body.json()) as { id?: string }
      if (res.statusCode !== 200 || !body.id)
        throw new Error(`plain hop answered ${res.statusCode}`)
    },
    async secured() {
      const res = await downstream.callService(CALLEE, PATH, { subjectToken, scope: 'orders:read' })
      if (res.status !== 200) throw new Error(`secured hop answered ${res.status}`)
    },
    async close() {
      await downstream.close()
      await plainAgent.close()
      await plainApp.close()
      await secured.close()
      caller.cleanup()
    },
  }
}

async function timed(call: () => Promise<void>, count: number, into: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await call()
    into.push(performance.now() - start)
  }
}

/** Both hops, `rounds` alternating rounds of `perRound` calls each, after a warm-up. */
export async function benchHop(rounds = 10, perRound = 1000) {
  const hops = await startHopPair()
  try {
    const warm: number[] = []
    await timed(hops.plain, 500, warm)
    await timed(hops.secured, 500, warm)
    const plain: number[] = []
    const secured: number[] = []
    for (let round = 0; round < rounds; round++) {
      await timed(hops.plain, perRound, plain)
      await timed(hops.secured, perRound, secured)
    }
    const p = figures(plain)
    const s = figures(secured)
    const added = (key: 'p50' | 'p90' | 'p99' | 'mean') =>
      Math.round((s[key] - p[key]) * 1000) / 1000
    return {
      plainHttp: p,
      mtlsJwtCachedExchange: s,
      addedMs: { p50: added('p50'), p90: added('p90'), p99: added('p99'), mean: added('mean') },
    }
  } finally {
    await hops.close()
  }
}

/** Only the secured hop, `count` calls: the workload a CPU profile of it records. */
export async function runSecuredOnly(count: number): Promise<void> {
  const hops = await startHopPair()
  try {
    await timed(hops.secured, count, [])
  } finally {
    await hops.close()
  }
}
