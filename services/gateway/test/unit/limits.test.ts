/**
 * The counting policies with small limits and a movable clock: the SLA rate limit (headers,
 * refusal, reset), spike control across callers, and the feedback loop (block after repeated
 * authentication failures, by address and by DPoP key, audited, and expiring).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GATEWAY_REASONS } from '../../src/reasons.ts'
import { dpopClient, type DpopClient } from '../helpers/dpop-client.ts'
import {
  activeToken,
  gatewayHarness,
  PUBLIC_ORIGIN,
  type Harness,
} from '../helpers/gateway-harness.ts'

const PRODUCTS = '/shopping/products'
let h: Harness
let katie: DpopClient

before(async () => {
  h = await gatewayHarness((policies) => {
    policies.slaTiers.gold = { requests: 3, windowSeconds: 60 }
    policies.feedbackLoop = { failures: 3, windowSeconds: 60, blockSeconds: 120 }
    Object.assign(policies.apis[1] ?? {}, { spike: { requests: 2, perSeconds: 1 } })
  })
  katie = await dpopClient()
})
after(() => h.close())

async function call(opts: {
  token?: string
  client?: DpopClient
  remoteAddress: string
  url?: string
}) {
  const token = opts.token ?? 'katie-token'
  const url = opts.url ?? PRODUCTS
  const client = opts.client ?? katie
  return h.app.inject({
    method: 'GET',
    url,
    remoteAddress: opts.remoteAddress,
    headers: {
      authorization: `DPoP ${token}`,
      dpop: await client.proof('GET', `${PUBLIC_ORIGIN}${url}`, token),
    },
  })
}

const reasonOf = (res: { headers: Record<string, unknown> }) => h.recordsOf(res)[0]?.reason

describe('rate limit by SLA tier', () => {
  it('counts down in RateLimit, refuses over the quota with Retry-After, resets with the window', async () => {
    h.idp.tokens.set('katie-token', activeToken(katie.jkt))
    const seen = []
    for (let i = 0; i < 3; i++) {
      const res = await call({ remoteAddress: '10.1.0.1' })
      assert.equal(res.statusCode, 200)
      seen.push(res.headers.ratelimit)
    }
    assert.deepEqual(
      seen.map((v) => String(v).split(';')[1]),
      ['r=2', 'r=1', 'r=0'],
    )
    const over = await call({ remoteAddress: '10.1.0.1' })
    assert.equal(over.statusCode, 429)
    assert.equal(over.json().code, 'ZT_ERR_RATE_LIMITED')
    assert.equal(reasonOf(over), GATEWAY_REASONS.rateLimited)
    assert.equal(over.headers['retry-after'], '60')
    assert.equal(over.headers['ratelimit-policy'], '"gold";q=3;w=60')
    // Another shopper of the same client has a window of their own.
    h.idp.tokens.set('bob-token', activeToken(katie.jkt, { sub: 'bob' }))
    assert.equal((await call({ token: 'bob-token', remoteAddress: '10.1.0.1' })).statusCode, 200)
    h.clock.now += 60_000
    assert.equal((await call({ remoteAddress: '10.1.0.1' })).statusCode, 200)
  })
})

describe('spike control', () => {
  it('refuses the excess of all callers together within the second', async () => {
    h.idp.tokens.set('sam-token', activeToken(katie.jkt, { client_id: 'web-staff', sub: 'sam' }))
    h.clock.now += 5_000
    const statuses = []
    for (let i = 0; i < 3; i++) {
      const res = await call({
        token: 'sam-token',
        url: '/assistant/customers',
        remoteAddress: `10.2.0.${i + 1}`,
      })
      statuses.push(res.statusCode)
      if (res.statusCode === 429) {
        assert.equal(res.json().code, 'ZT_ERR_SPIKE_ARRESTED')
        assert.equal(reasonOf(res), GATEWAY_REASONS.spikeArrested)
        assert.equal(res.headers['retry-after'], '1')
      }
    }
    assert.deepEqual(statuses, [200, 200, 429])
    h.clock.now += 1_000
    const next = await call({
      token: 'sam-token',
      url: '/assistant/customers',
      remoteAddress: '10.2.0.9',
    })
    assert.equal(next.statusCode, 200)
  })
})

describe('feedback loop', () => {
  it('blocks an address after repeated authentication failures, audits it, and lets the block expire', async () => {
    const address = '10.3.0.1'
    const failures = []
    for (let i = 0; i < 3; i++) {
      failures.push(await call({ token: `guess-${i}`, remoteAddress: address }))
    }
    assert.deepEqual(
      failures.map((r) => r.statusCode),
      [401, 401, 401],
    )
    const started = h
      .recordsOf(failures[2] ?? { headers: {} })
      .find((r) => r.reason === GATEWAY_REASONS.blockStarted)
    assert.equal(started?.address, address)
    assert.equal(started?.policy, 'feedback loop: address')

    // Even with a valid token, the address is refused while blocked.
    h.idp.tokens.set('katie-2', activeToken(katie.jkt, { sub: 'katie-2' }))
    const blocked = await call({ token: 'katie-2', remoteAddress: address })
    assert.equal(blocked.statusCode, 403)
    assert.equal(blocked.json().code, 'ZT_ERR_CLIENT_BLOCKED')
    assert.equal(reasonOf(blocked), GATEWAY_REASONS.blockedAddress)
    assert.equal(blocked.headers['retry-after'], '120')

    h.clock.now += 120_000
    assert.equal((await call({ token: 'katie-2', remoteAddress: address })).statusCode, 200)
  })

  it('blocks a DPoP key that keeps failing, from any address', async () => {
    const mallory = await dpopClient()
    for (let i = 0; i < 3; i++) {
      const res = await call({
        client: mallory,
        token: `stolen-${i}`,
        remoteAddress: `10.4.0.${i + 1}`,
      })
      assert.equal(res.statusCode, 401)
    }
    h.idp.tokens.set('mallory-token', activeToken(mallory.jkt, { sub: 'mallory' }))
    const blocked = await call({
      client: mallory,
      token: 'mallory-token',
      remoteAddress: '10.4.0.99',
    })
    assert.equal(blocked.statusCode, 403)
    assert.equal(reasonOf(blocked), GATEWAY_REASONS.blockedKey)
  })

  it('policy refusals (CORS, JSON, rate) do not count as authentication failures', async () => {
    const address = '10.5.0.1'
    for (let i = 0; i < 4; i++) {
      const res = await h.app.inject({
        method: 'GET',
        url: PRODUCTS,
        remoteAddress: address,
        headers: { origin: 'https://evil.example' },
      })
      assert.equal(res.statusCode, 403)
    }
    h.idp.tokens.set('katie-3', activeToken(katie.jkt, { sub: 'katie-3' }))
    assert.equal((await call({ token: 'katie-3', remoteAddress: address })).statusCode, 200)
  })
})

describe('probes', () => {
  it('GET /healthz answers outside the pipeline', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok' })
  })
})
