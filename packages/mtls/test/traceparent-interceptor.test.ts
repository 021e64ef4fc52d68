import assert from 'node:assert/strict'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { parseTraceparent, runWithTraceContext, type TraceContext } from '@mythical/audit'
import { fetch, request, type Dispatcher } from 'undici'
import { createMtlsAgent, mtlsServerOptions } from '../src/index.ts'
import { createCa, createIdentity } from './helpers/identities.ts'

const retailCa = await createCa('retail')
const ordersApi = await createIdentity(retailCa, 'retail', 'orders-api')
const fulfillment = await createIdentity(retailCa, 'retail', 'order-fulfillment-api')

const CURRENT: TraceContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  parentId: '00f067aa0ba902b7',
  // Not sampled: the child must carry the flags on, not reset them.
  flags: '00',
}
const EXPLICIT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

/** Every `traceparent` value the server received, in order (a repeated header shows twice). */
type Received = { traceparents: string[] }

let url: string
let agent: Dispatcher
const server = createServer(mtlsServerOptions(ordersApi), (req, res) => {
  const traceparents: string[] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === 'traceparent') {
      traceparents.push(req.rawHeaders[i + 1] ?? '')
    }
  }
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ traceparents } satisfies Received))
})

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`
  agent = createMtlsAgent(fulfillment)
})
after(async () => {
  await agent.close()
  server.closeAllConnections()
  server.close()
})

async function send(opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> = {}) {
  const res = await request(url, { ...opts, dispatcher: agent })
  assert.equal(res.statusCode, 200)
  return ((await res.body.json()) as Received).traceparents
}

/** The one traceparent received, parsed; fails on none, several or a malformed one. */
function single(traceparents: string[]): TraceContext {
  assert.equal(traceparents.length, 1, `expected one traceparent, got ${traceparents.length}`)
  const context = parseTraceparent(traceparents[0])
  assert.ok(context, `malformed traceparent ${traceparents[0]}`)
  return context
}

describe('createMtlsAgent: traceparent on every outgoing request', () => {
  it('continues the current trace with a new span id and the same flags', async () => {
    const sent = single(await runWithTraceContext(CURRENT, () => send()))
    assert.equal(sent.traceId, CURRENT.traceId)
    assert.notEqual(sent.parentId, CURRENT.parentId)
    assert.equal(sent.flags, CURRENT.flags)
  })

  it('gives every call of one context its own span id', async () => {
    const [first, second] = await runWithTraceContext(CURRENT, () => Promise.all([send(), send()]))
    assert.equal(single(first ?? []).traceId, single(second ?? []).traceId)
    assert.notEqual(single(first ?? []).parentId, single(second ?? []).parentId)
  })

  it('starts a new sampled trace per call outside of any context', async () => {
    const first = single(await send())
    const second = single(await send())
    assert.notEqual(first.traceId, second.traceId)
    assert.equal(first.flags, '01')
  })

  it('continues the trace through fetch as well', async () => {
    const res = await runWithTraceContext(CURRENT, () => fetch(url, { dispatcher: agent }))
    const sent = single(((await res.json()) as Received).traceparents)
    assert.equal(sent.traceId, CURRENT.traceId)
    assert.notEqual(sent.parentId, CURRENT.parentId)
  })

  it('adds the header next to the caller’s own headers without mutating them', async () => {
    const headers = { 'x-request-purpose': 'test' }
    single(await runWithTraceContext(CURRENT, () => send({ headers })))
    assert.deepEqual(headers, { 'x-request-purpose': 'test' })
  })

  describe('keeps a traceparent the caller set explicitly', () => {
    const shapes: [string, Dispatcher.RequestOptions['headers']][] = [
      ['object', { traceparent: EXPLICIT }],
      ['object, other letter case', { TraceParent: EXPLICIT }],
      ['flat array', ['accept', 'application/json', 'Traceparent', EXPLICIT]],
      ['iterable of pairs', new Map([['traceparent', EXPLICIT]])],
    ]
    for (const [shape, headers] of shapes) {
      it(shape, async () => {
        const received = await runWithTraceContext(CURRENT, () => send({ headers }))
        assert.deepEqual(received, [EXPLICIT])
      })
    }

    it('through fetch', async () => {
      const res = await runWithTraceContext(CURRENT, () =>
        fetch(url, { dispatcher: agent, headers: { traceparent: EXPLICIT } }),
      )
      assert.deepEqual(((await res.json()) as Received).traceparents, [EXPLICIT])
    })
  })

  it('adds the header to flat-array and iterable headers', async () => {
    for (const headers of [['accept', 'application/json'], new Map([['accept', '*/*']])]) {
      const sent = single(await runWithTraceContext(CURRENT, () => send({ headers })))
      assert.equal(sent.traceId, CURRENT.traceId)
    }
  })
})
