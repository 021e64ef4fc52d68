/**
 * TB14 — edge policies, as an internet client meets them at the running gateway: JSON threat
 * protection, body and header limits, rate limit by SLA tier, spike control, IP deny list (with a
 * spoofed `X-Forwarded-For`), exact CORS origins, and the feedback loop that blocks an address or
 * a DPoP key after repeated authentication failures — and lets it go again. Limits are the ones
 * of services/gateway/policies.json, read here so the specs follow the policy data.
 */
import { readFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { setTimeout as sleep } from 'node:timers/promises'
import { stackPaths } from '@mythical/stack'
import { allAuditRecords, auditRecordsOf, hasDecision } from '../support/audit-log.ts'
import { EdgeClient, freshSourceAddress, isThisRunsAddress } from '../support/edge-client.ts'
import { callWithDpop, expectRefusal, proofFor, problemOf } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import { revokeAccessToken, signInShopper } from '../support/shopper.ts'
import type { ShopperSession } from '../support/shopper.ts'

const paths = stackPaths()
const policies = JSON.parse(
  readFileSync(`${paths.root}/services/gateway/policies.json`, 'utf8'),
) as {
  http: { headersTimeoutMs: number }
  feedbackLoop: { failures: number; blockSeconds: number }
  slaTiers: Record<string, { requests: number }>
  clientTiers: Record<string, string>
  all: {
    json: {
      maxBytes: number
      maxDepth: number
      maxKeys: number
      maxArrayLength: number
      maxStringLength: number
    }
    cors: { origins: string[] }
  }
  apis: { name: string; spike?: { requests: number } }[]
}
const { json: JSON_LIMITS } = policies.all

const PRODUCTS = '/shopping/products'
const ORDERS = '/shopping/me/orders'
/** Longer than the SLA burst below takes (61 batches of 10, 150 ms apart: ≈ 10 s in CI). */
const BURST_SECONDS = 30
/** On the policy file's deny list. */
const DENIED_ADDRESS = '127.0.0.66'

/** A POST of `body` to the orders API, authenticated as `session`. */
function postJson(edge: EdgeClient, session: ShopperSession, body: string) {
  return callWithDpop(edge, {
    method: 'POST',
    path: ORDERS,
    session,
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body,
  })
}

const JSON_BOMBS = {
  'nesting deeper than the limit': {
    body: `${'{"a":'.repeat(JSON_LIMITS.maxDepth + 1)}1${'}'.repeat(JSON_LIMITS.maxDepth + 1)}`,
    reason: 'json.depth_exceeded',
  },
  'more keys in one object than the limit': {
    body: JSON.stringify(
      Object.fromEntries(Array.from({ length: JSON_LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, i])),
    ),
    reason: 'json.keys_exceeded',
  },
  'an array longer than the limit': {
    body: JSON.stringify({
      items: Array.from({ length: JSON_LIMITS.maxArrayLength + 1 }, () => 0),
    }),
    reason: 'json.array_exceeded',
  },
  'a string longer than the limit': {
    body: JSON.stringify({ note: 'x'.repeat(JSON_LIMITS.maxStringLength + 1) }),
    reason: 'json.string_exceeded',
  },
}

test.describe('TB14 edge policies', () => {
  // First, so that the block's expiry (the last test) is awaited while the others run.
  test('feedback loop: repeated failures block the address, even for a valid token', async ({
    edge,
    katie,
  }) => {
    const { failures } = policies.feedbackLoop
    let last
    for (let i = 0; i < failures; i++) {
      last = await edge.send({ path: PRODUCTS })
      expect(last.status).toBe(401)
    }
    if (!last) throw new Error('the policy file counts no failures')
    const tipping = await auditRecordsOf(
      problemOf(last).traceId,
      'gateway',
      hasDecision('deny', 'feedback.block_started'),
    )
    expect(tipping.map((r) => `${r.decision} ${r.reason}`)).toContain('deny feedback.block_started')

    const blocked = await callWithDpop(edge, { path: PRODUCTS, session: katie })
    await expectRefusal(blocked, {
      status: 403,
      code: 'ZT_ERR_CLIENT_BLOCKED',
      reason: 'feedback.address_blocked',
      secrets: [katie.accessToken],
    })
    const retryAfter = Number(blocked.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(policies.feedbackLoop.blockSeconds)
  })

  test('feedback loop: a DPoP key that keeps failing is blocked from any address', async () => {
    const revoked = await signInShopper('katie')
    await revokeAccessToken(revoked.accessToken)
    for (let i = 0; i < policies.feedbackLoop.failures; i++) {
      const response = await callWithDpop(new EdgeClient(freshSourceAddress()), {
        path: PRODUCTS,
        session: revoked,
      })
      expect(response.status).toBe(401)
    }
    const fresh = new EdgeClient(freshSourceAddress())
    const response = await callWithDpop(fresh, { path: PRODUCTS, session: revoked })
    await expectRefusal(response, {
      status: 403,
      code: 'ZT_ERR_CLIENT_BLOCKED',
      reason: 'feedback.key_blocked',
    })
  })

  for (const [title, bomb] of Object.entries(JSON_BOMBS)) {
    test(`JSON bomb: ${title}`, async ({ edge, katie }) => {
      const response = await postJson(edge, katie, bomb.body)
      await expectRefusal(response, {
        status: 400,
        code: 'ZT_ERR_JSON_THREAT',
        reason: bomb.reason,
        secrets: [katie.accessToken],
      })
    })
  }

  test('JSON bomb: refused while it is still streaming in, not after', async ({ edge, katie }) => {
    // A body that never ends: only a guard measuring while parsing can answer at all.
    const proof = await proofFor({ method: 'POST', path: ORDERS, session: katie })
    const { body, response: answer } = edge.open({
      method: 'POST',
      path: ORDERS,
      headers: {
        authorization: `DPoP ${katie.accessToken}`,
        dpop: proof,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
    })
    body.write('['.repeat(JSON_LIMITS.maxDepth + 5))
    // …and nothing more: no closing brackets, no end of the request.
    const response = await answer
    body.destroy()
    await expectRefusal(response, {
      status: 400,
      code: 'ZT_ERR_JSON_THREAT',
      reason: 'json.depth_exceeded',
    })
  })

  test('a body over the size limit, declared by Content-Length', async ({ edge, katie }) => {
    const body = JSON.stringify({ note: 'x'.repeat(JSON_LIMITS.maxBytes) })
    const response = await postJson(edge, katie, body)
    await expectRefusal(response, {
      status: 413,
      code: 'ZT_ERR_PAYLOAD_TOO_LARGE',
      reason: 'body.too_large',
    })
  })

  test('a body over the size limit, streamed without Content-Length', async ({ edge, katie }) => {
    // Within every structural limit (shallow, few keys, short arrays and strings): only its size
    // is too much, and only counting while it streams in can tell.
    const keys = JSON_LIMITS.maxKeys - 1
    const row = JSON.stringify(
      Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])),
    )
    const rows = Math.min(
      JSON_LIMITS.maxArrayLength - 1,
      Math.ceil((JSON_LIMITS.maxBytes * 2) / row.length),
    )
    expect(rows * row.length).toBeGreaterThan(JSON_LIMITS.maxBytes)
    const { body, response: answer } = edge.open({
      method: 'POST',
      path: ORDERS,
      headers: {
        authorization: `DPoP ${katie.accessToken}`,
        dpop: await proofFor({ method: 'POST', path: ORDERS, session: katie }),
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
    })
    body.write('[')
    for (let i = 0; i < rows && !body.destroyed; i++) body.write(`${i === 0 ? '' : ','}${row}`)
    body.end(']')
    await expectRefusal(await answer, {
      status: 413,
      code: 'ZT_ERR_PAYLOAD_TOO_LARGE',
      reason: 'body.too_large',
    })
  })

  test('slow headers (slow loris): the connection is cut at the headers timeout', async ({
    edge,
  }) => {
    const timeoutMs = policies.http.headersTimeoutMs
    test.setTimeout(timeoutMs + 45_000)
    const socket = connectTls({
      socket: connectTcp({ host: '127.0.0.1', port: 8443, localAddress: edge.sourceAddress }),
      servername: 'localhost',
      ca: readFileSync(paths.caCert('retail'), 'utf8'),
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve)
      socket.once('error', reject)
    })
    const started = Date.now()
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())))
    socket.write(`GET ${PRODUCTS} HTTP/1.1\r\nHost: localhost:8443\r\n`)
    // One header byte a second, never the blank line that ends the headers.
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('X')
    }, 1_000)
    try {
      const closedAt = await closed
      expect(closedAt - started).toBeGreaterThanOrEqual(timeoutMs - 1_000)
      expect(closedAt - started).toBeLessThan(timeoutMs + 40_000)
      if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
  })

  test('burst over the SLA tier’s rate: 429 with RateLimit and Retry-After', async ({ edge }) => {
    test.setTimeout(90_000)
    // Bob's own window (rate is counted per client and user): no other test spends it.
    const bob = await signInShopper('bob')
    const tier = policies.slaTiers[policies.clientTiers.web ?? ''] ?? { requests: 0 }
    // Windows are fixed and Bob's may have opened earlier (other specs sign him in, an earlier
    // run may have spent it): a burst across its reset would be counted in two windows and never
    // refused. So when less of his window is left than the burst takes, start in the next one.
    const probe = await callWithDpop(edge, { path: PRODUCTS, session: bob })
    const secondsLeft = Number(/;t=(\d+)$/.exec(String(probe.headers.ratelimit))?.[1])
    expect(secondsLeft, 'RateLimit tells the seconds to the reset').toBeGreaterThan(0)
    if (probe.status === 429 || secondsLeft < BURST_SECONDS) await sleep(secondsLeft * 1_000 + 500)
    let refused
    let lastForwarded
    // Below the spike limit (per second, all callers), so the rate limit is what answers.
    for (let sent = 0; sent <= tier.requests + 10 && !refused; sent += 10) {
      const started = Date.now()
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => callWithDpop(edge, { path: PRODUCTS, session: bob })),
      )
      refused = batch.find((response) => response.status === 429)
      lastForwarded = batch.findLast((response) => response.status !== 429) ?? lastForwarded
      await sleep(Math.max(0, 150 - (Date.now() - started)))
    }
    expect(lastForwarded?.headers['ratelimit-policy']).toMatch(/^"gold";q=\d+;w=\d+$/)
    expect(lastForwarded?.headers.ratelimit).toMatch(/^"gold";r=\d+;t=\d+$/)
    expect(refused, 'the burst was cut off').toBeDefined()
    if (!refused) return
    await expectRefusal(refused, {
      status: 429,
      code: 'ZT_ERR_RATE_LIMITED',
      reason: 'rate.limit_exceeded',
      secrets: [bob.accessToken],
    })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(refused.headers.ratelimit).toMatch(/^"gold";r=0;t=\d+$/)
  })

  test('spike over the API’s per-second limit, from many addresses together', async () => {
    const api = policies.apis.find((entry) => entry.name === 'assistant')
    const limit = api?.spike?.requests ?? 0
    expect(limit).toBeGreaterThan(0)
    // Fewer failures per address than the feedback loop counts: what answers is the spike limit.
    const perAddress = Math.max(1, policies.feedbackLoop.failures - 2)
    const clients = Array.from(
      { length: Math.ceil((limit * 1.5) / perAddress) },
      () => new EdgeClient(freshSourceAddress()),
    )
    const responses = await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: perAddress }, () => client.send({ path: '/assistant/customers' })),
      ),
    )
    const arrested = responses.filter((response) => response.status === 429)
    expect(arrested.length).toBeGreaterThan(0)
    const [first] = arrested
    if (!first) return
    await expectRefusal(first, {
      status: 429,
      code: 'ZT_ERR_SPIKE_ARRESTED',
      reason: 'spike.arrested',
    })
    expect(Number(first.headers['retry-after'])).toBeGreaterThan(0)
  })

  test('an address on the deny list', async ({ katie }) => {
    const denied = new EdgeClient(DENIED_ADDRESS)
    const response = await callWithDpop(denied, { path: PRODUCTS, session: katie })
    const record = await expectRefusal(response, {
      status: 403,
      code: 'ZT_ERR_IP_DENIED',
      reason: 'ip.denied',
    })
    expect(record.address).toBe(DENIED_ADDRESS)
  })

  test('a spoofed X-Forwarded-For changes nothing: the socket address counts', async ({
    edge,
    katie,
  }) => {
    // A denied client claiming to be someone else is still denied…
    const denied = new EdgeClient(DENIED_ADDRESS)
    const spoofed = await callWithDpop(denied, {
      path: PRODUCTS,
      session: katie,
      headers: { 'x-forwarded-for': edge.sourceAddress },
    })
    const record = await expectRefusal(spoofed, {
      status: 403,
      code: 'ZT_ERR_IP_DENIED',
      reason: 'ip.denied',
    })
    expect(record.address).toBe(DENIED_ADDRESS)
    // …and an allowed client naming a denied address is not framed by it.
    const framed = await callWithDpop(edge, {
      path: PRODUCTS,
      session: katie,
      headers: { 'x-forwarded-for': DENIED_ADDRESS },
    })
    expect(framed.status, framed.text).toBe(200)
  })

  test('a cross-origin call from an origin not on the exact list', async ({ edge, katie }) => {
    const response = await callWithDpop(edge, {
      path: PRODUCTS,
      session: katie,
      headers: { origin: 'https://localhost:3000.evil.example' },
    })
    await expectRefusal(response, {
      status: 403,
      code: 'ZT_ERR_CORS_ORIGIN_DENIED',
      reason: 'cors.origin_denied',
    })
    expect(response.headers['access-control-allow-origin']).toBeUndefined()
  })

  test('CORS preflight: the web origin is answered exactly, another origin refused', async ({
    request,
  }) => {
    const [webOrigin] = policies.all.cors.origins
    const preflight = (origin: string) =>
      request.fetch(PRODUCTS, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, dpop',
        },
      })
    const allowed = await preflight(webOrigin ?? '')
    expect(allowed.status()).toBe(204)
    expect(allowed.headers()['access-control-allow-origin']).toBe(webOrigin)
    const refused = await preflight('https://evil.example')
    expect(refused.status()).toBe(403)
    expect(refused.headers()['access-control-allow-origin']).toBeUndefined()
    const problem = (await refused.json()) as { code: string; traceId: string }
    expect(problem.code).toBe('ZT_ERR_CORS_ORIGIN_DENIED')
    const records = await auditRecordsOf(
      problem.traceId,
      'gateway',
      hasDecision('deny', 'cors.origin_denied'),
    )
    expect(records.map((r) => `${r.decision} ${r.reason}`)).toContain('deny cors.origin_denied')
  })

  test('feedback loop: the block expires by itself', async ({ katie }) => {
    // The address blocked above, found in the audit trail (so this holds after a worker restart).
    const records = allAuditRecords().filter((r) => isThisRunsAddress(String(r.address)))
    const refused = records.filter((r) => r.reason === 'feedback.address_blocked').at(-1)
    expect(refused, 'an address was blocked earlier in this run').toBeDefined()
    const address = String(refused?.address)
    const started = records
      .filter((r) => r.reason === 'feedback.block_started' && r.address === address)
      .at(-1)
    expect(started, `the block of ${address} started in this run`).toBeDefined()
    const until = Date.parse(String(started?.time)) + policies.feedbackLoop.blockSeconds * 1000
    test.setTimeout(Math.max(0, until - Date.now()) + 30_000)
    await sleep(Math.max(0, until - Date.now()) + 500)
    const response = await callWithDpop(new EdgeClient(address), { path: PRODUCTS, session: katie })
    expect(response.status, response.text).toBe(200)
  })
})
