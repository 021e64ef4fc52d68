/**
 * A real two-hop chain over mutual TLS: a client calls service A, whose route calls service B
 * through `createMtlsAgent`. B must see A's trace, whichever framework A is built on.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseTraceparent, type TraceContext } from '@mythical/audit'
import { createMtlsAgent } from '@mythical/mtls'
import express from 'express'
import type { FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { createService, expressServiceBasics } from '../src/index.ts'
import { createTestSecrets, startTestServer } from '../src/testing/index.ts'
import { captureAudit } from './helpers/capture-audit.ts'

const A_ID = 'spiffe://retail.mythical.example/order-fulfillment-api'
const B_ID = 'spiffe://retail.mythical.example/orders-api'
const INBOUND = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const EXPLICIT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

const b = await createTestSecrets('orders-api')
const a = await createTestSecrets('order-fulfillment-api', { ca: b.ca })
const client = await createTestSecrets('stack-probe', { ca: b.ca })

/** What A's routes answer: the `traceparent` B received on A's outgoing call. */
interface ChainResult {
  downstream: string | null
}

let bApp: FastifyInstance
let bUrl: string
/** A's client for B, as a route module would create it once at boot. */
const toB = createMtlsAgent(a.identity, { allowedServerIds: [B_ID] })
/**
 * The outside caller of A: a plain undici agent with a workload certificate and no trace
 * interceptor, so the test alone decides whether A receives a `traceparent`.
 */
const caller = new Agent({
  connect: { ca: [b.ca.certPem], cert: client.identity.certPem, key: client.identity.keyPem },
})

before(async () => {
  bApp = await createService({
    name: 'orders-api',
    identity: b.identity,
    exposure: 'internal',
    audit: captureAudit('orders-api').audit,
  })
  bApp.get('/echo', { config: { allowedCallers: [A_ID] } }, async (req) => {
    // Answer out of order under load, so a context mix-up in A would show.
    await sleep(Math.random() * 10)
    return { traceparent: req.headers.traceparent ?? null }
  })
  await bApp.listen({ host: '127.0.0.1', port: 0 })
  bUrl = `https://127.0.0.1:${(bApp.server.address() as AddressInfo).port}`
})
after(async () => {
  await Promise.all([toB.close(), caller.close()])
  await bApp.close()
  for (const s of [a, b, client]) s.cleanup()
})

/** A's side of the chain: optional delay, then one call to B, explicit traceparent if asked. */
async function callB(opts: { delayMs?: number; explicit?: boolean }): Promise<ChainResult> {
  if (opts.delayMs) await sleep(opts.delayMs)
  const res = await request(`${bUrl}/echo`, {
    dispatcher: toB,
    ...(opts.explicit ? { headers: { traceparent: EXPLICIT } } : {}),
  })
  assert.equal(res.statusCode, 200)
  const body = (await res.body.json()) as { traceparent: string | null }
  return { downstream: body.traceparent }
}

const chainOptions = (query: Record<string, unknown>) => ({
  delayMs: Number(query.delayMs ?? 0),
  explicit: query.explicit === 'true',
})

/** Service A on fastify (`createService`), GET and POST (with a JSON body) routes. */
async function startFastifyA(): Promise<{ url: string; close(): Promise<void> }> {
  const app = await createService({
    name: 'order-fulfillment-api',
    identity: a.identity,
    exposure: 'internal',
    audit: captureAudit('order-fulfillment-api').audit,
  })
  app.get('/chain', (req) => callB(chainOptions(req.query as Record<string, unknown>)))
  app.post('/chain', (req) => callB(chainOptions(req.body as Record<string, unknown>)))
  // A hook of a later plugin (say, token introspection) calling out before the body is read.
  const early = new WeakMap<object, ChainResult>()
  app.get(
    '/early',
    { onRequest: async (req) => void early.set(req, await callB({})) },
    async (req) => early.get(req),
  )
  await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url: `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  }
}

/** Service A on express (`expressServiceBasics`), with a body parser in front of the routes. */
async function startExpressA(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express()
  const audit = captureAudit('order-fulfillment-api').audit
  expressServiceBasics(app, { name: 'order-fulfillment-api', audit }, (app) => {
    app.use(express.json())
    app.get('/chain', async (req, res) => {
      res.json(await callB(chainOptions(req.query)))
    })
    app.post('/chain', async (req, res) => {
      res.json(await callB(chainOptions(req.body as Record<string, unknown>)))
    })
  })
  return startTestServer(app, a.identity, 'internal')
}

/**
 * A request body that arrives in two TCP writes 20 ms apart, so the body parser finishes from a
 * later socket event rather than from data buffered with the headers.
 */
function slowBody(body: Record<string, unknown>): Readable {
  const json = JSON.stringify(body)
  const half = Math.floor(json.length / 2)
  return Readable.from(
    (async function* () {
      yield json.slice(0, half)
      await sleep(20)
      yield json.slice(half)
    })(),
  )
}

/** Calls A from outside; `hop` is A's own context, from the `traceparent` it echoes. */
async function callA(
  url: string,
  opts: { traceparent?: string; body?: Record<string, unknown> } = {},
): Promise<ChainResult & { hop: TraceContext }> {
  const headers: Record<string, string> = {}
  if (opts.traceparent) headers.traceparent = opts.traceparent
  if (opts.body) headers['content-type'] = 'application/json'
  const res = await request(url, {
    dispatcher: caller,
    method: opts.body ? 'POST' : 'GET',
    headers,
    ...(opts.body ? { body: slowBody(opts.body) } : {}),
  })
  assert.equal(res.statusCode, 200)
  const hop = parseTraceparent(String(res.headers.traceparent))
  assert.ok(hop, 'A echoes a valid traceparent')
  return { ...((await res.body.json()) as ChainResult), hop }
}

/** The traceparent B received, parsed; fails when there was none or it is malformed. */
function received(result: ChainResult): TraceContext {
  const context = parseTraceparent(result.downstream ?? undefined)
  assert.ok(context, `B received no valid traceparent: ${result.downstream}`)
  return context
}

const inbound = parseTraceparent(INBOUND)
assert.ok(inbound)

for (const [framework, startA] of [
  ['fastify', startFastifyA],
  ['express', startExpressA],
] as const) {
  describe(`traceparent across two mTLS hops (A on ${framework})`, () => {
    let aUrl: string
    let closeA: () => Promise<void>
    before(async () => {
      const started = await startA()
      aUrl = `${started.url}/chain`
      closeA = started.close
    })
    after(() => closeA())

    it('continues the inbound trace: same trace id, a new parent id at each hop', async () => {
      const result = await callA(aUrl, { traceparent: INBOUND })
      const atB = received(result)
      assert.equal(result.hop.traceId, inbound.traceId)
      assert.equal(atB.traceId, inbound.traceId)
      assert.notEqual(atB.parentId, inbound.parentId)
      assert.notEqual(atB.parentId, result.hop.parentId)
    })

    it('does so after reading a request body too', async () => {
      const result = await callA(aUrl, { traceparent: INBOUND, body: {} })
      assert.equal(received(result).traceId, inbound.traceId)
    })

    it('starts one fresh trace for both hops without an inbound traceparent', async () => {
      for (const body of [undefined, {}]) {
        const result = await callA(aUrl, body ? { body } : {})
        assert.notEqual(result.hop.traceId, inbound.traceId)
        assert.equal(received(result).traceId, result.hop.traceId)
      }
    })

    it('keeps a traceparent A sets explicitly on its call', async () => {
      const result = await callA(`${aUrl}?explicit=true`, { traceparent: INBOUND })
      assert.equal(result.downstream, EXPLICIT)
    })

    it('keeps concurrent requests in their own traces', async () => {
      const calls = Array.from({ length: 24 }, (_, i) => {
        const post = i % 2 === 1
        const delayMs = (i * 7) % 15
        // A third of the requests come without a trace, so A starts one for them.
        const traceparent =
          i % 3 === 0 ? undefined : `00-${i.toString(16).padStart(32, 'c')}-00f067aa0ba902b7-01`
        return callA(post ? aUrl : `${aUrl}?delayMs=${delayMs}`, {
          ...(traceparent ? { traceparent } : {}),
          ...(post ? { body: { delayMs } } : {}),
        }).then((result) => ({ result, traceparent }))
      })
      for (const { result, traceparent } of await Promise.all(calls)) {
        const expected = traceparent ? parseTraceparent(traceparent)?.traceId : result.hop.traceId
        assert.equal(result.hop.traceId, expected)
        assert.equal(received(result).traceId, expected)
      }
    })
  })
}

describe('traceparent from an onRequest hook added after the kit (A on fastify)', () => {
  it('continues the inbound trace', async () => {
    const started = await startFastifyA()
    after(() => started.close())
    const result = await callA(`${started.url}/early`, { traceparent: INBOUND })
    assert.equal(received(result).traceId, inbound.traceId)
  })
})
