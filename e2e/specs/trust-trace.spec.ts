/**
 * The trust trace (issue 11), against the running stack. Katie places an order through the
 * gateway; every retail workload exports its spans over OTLP/mTLS to trace-store. Her order's
 * trace, read back through the gateway and my-shopping-api with her own token, shows each retail
 * hop with both certificate identities, the token each hop verified (sub, aud, scope, act chain,
 * cnf), each decision with its reason code, and the subscribers that opened `order.placed`.
 * Bob asking for her trace id gets 404 (row-level security in the store, not the page), and her
 * refused attempt to open Bob's order is in her recent requests with the deciding service and its
 * reason code. The browser renders the same trace; the suite takes the README's screenshot.
 */
import type { Browser } from '@playwright/test'
import { auditRecordsOf, hasDecision } from '../support/audit-log.ts'
import { launchTrustingBrowser } from '../support/browser-trust.ts'
import type { EdgeClient, EdgeResponse } from '../support/edge-client.ts'
import { expect, test } from '../support/fixtures.ts'
import { callWithDpop, problemOf } from '../support/gateway-call.ts'
import { placeOrder } from '../support/partner.ts'
import { personaContext, screenshotPath, WEB } from '../support/personas.ts'
import { GATEWAY_RESOURCE, signInShopper, type ShopperSession } from '../support/shopper.ts'

const retail = (service: string) => `spiffe://retail.mythical.example/${service}`

interface Span {
  spanId: string
  parentSpanId: string | null
  workloadId: string
  kind: number
  attributes: Record<string, string | number | boolean>
  events: { name: string; attributes: Record<string, string | number | boolean> }[]
}
interface RecentTrace {
  traceId: string
  refusal: { workloadId: string; reason: string } | null
}

/** The retail hops of placing an order, as requests (SERVER spans). */
const REQUEST_HOPS = ['gateway', 'my-shopping-api', 'order-fulfillment-api', 'orders-api']
/** The retail subscribers of `order.placed` (the partner's shipping-api keeps its own trace). */
const SUBSCRIBERS = ['customers-api', 'payments-api', 'recommendations-api']
/** OTLP span kinds as stored (opentelemetry-proto `SpanKind`). */
const SERVER = 2
const CLIENT = 3
const CONSUMER = 5

/**
 * A GET as `session`. TB14's burst test spends Bob's rate window just before this suite runs, so a
 * 429 here is that window, not this suite's subject: wait the gateway's `Retry-After` once.
 */
async function get(edge: EdgeClient, session: ShopperSession, path: string) {
  const res = await callWithDpop(edge, { method: 'GET', path, session })
  const retryAfter = Number(res.headers['retry-after'])
  if (res.status !== 429 || !(retryAfter > 0 && retryAfter <= 60)) return res
  await new Promise((resolve) => setTimeout(resolve, retryAfter * 1_000))
  return callWithDpop(edge, { method: 'GET', path, session })
}

/** Polls `read` until `done` holds: spans arrive in batches, events are consumed asynchronously. */
async function eventually(read: () => Promise<EdgeResponse>, done: (r: EdgeResponse) => boolean) {
  let last = await read()
  for (let i = 0; i < 40 && !done(last); i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    last = await read()
  }
  return last
}

const decisionsOf = (span: Span) =>
  span.events
    .filter((e) => e.name === 'mythical.decision')
    .map((e) => `${e.attributes['mythical.decision']} ${e.attributes['mythical.reason']}`)

test.describe('trust trace', () => {
  test.describe.configure({ mode: 'serial' })
  let bob: ShopperSession
  let orderTrace = ''
  let refusedTrace = ''

  test.beforeAll(async () => {
    bob = await signInShopper('bob')
  })

  test('Katie’s order: every retail hop, its certificates, tokens, decisions and subscribers', async ({
    edge,
    katie,
  }) => {
    test.setTimeout(90_000)
    const orderId = await placeOrder(edge, katie)
    const order = await get(edge, katie, `/shopping/me/orders/${orderId}`)
    expect(order.status, order.text).toBe(200)
    orderTrace = order.json<{ traceId: string }>().traceId
    expect(orderTrace).toMatch(/^[0-9a-f]{32}$/)

    const spansOf = (r: EdgeResponse) => (r.status === 200 ? r.json<{ spans: Span[] }>().spans : [])
    const seen = (r: EdgeResponse) => new Set(spansOf(r).map((s) => `${s.kind}:${s.workloadId}`))
    const trace = await eventually(
      () => get(edge, katie, `/shopping/me/traces/${orderTrace}`),
      (r) =>
        [
          ...REQUEST_HOPS.map((s) => `${SERVER}:${retail(s)}`),
          ...SUBSCRIBERS.map((s) => `${CONSUMER}:${retail(s)}`),
        ].every((k) => seen(r).has(k)),
    )
    expect(trace.status, trace.text).toBe(200)
    const spans = spansOf(trace)
    const katieSub = String(spans[0]?.attributes['enduser.id'])

    for (const service of REQUEST_HOPS) {
      const span = spans.find((s) => s.kind === SERVER && s.workloadId === retail(service))
      expect(span, `${service} hop`).toBeDefined()
      const a = span?.attributes ?? {}
      expect(a['mythical.workload_id'], `${service}: callee certificate`).toBe(retail(service))
      expect(a['enduser.id'], `${service}: the user`).toBe(katieSub)
      expect(decisionsOf(span as Span).length, `${service}: decisions`).toBeGreaterThan(0)
      expect(decisionsOf(span as Span).every((d) => /^(allow|deny) [a-z0-9_.]+$/.test(d))).toBe(
        true,
      )
      if (service === 'gateway') continue
      // Internal hops: the caller's certificate, and the exchanged token it presented.
      expect(String(a['mythical.peer.workload_id']), `${service}: caller certificate`).toMatch(
        /^spiffe:\/\/retail\.mythical\.example\//,
      )
      expect(String(a['mythical.token.aud'])).toContain(service)
      expect(String(a['mythical.token.act']), `${service}: act chain`).not.toBe('undefined')
      expect(String(a['mythical.token.cnf_x5t_s256']), `${service}: cnf`).toMatch(/^[\w-]{43}$/)
      expect(String(a['mythical.token.scope'])).toMatch(/orders:/)
    }
    // The chain as each hop saw it: each caller is the previous hop.
    const callerOf = (service: string) =>
      spans.find((s) => s.kind === SERVER && s.workloadId === retail(service))?.attributes[
        'mythical.peer.workload_id'
      ]
    expect(callerOf('my-shopping-api')).toBe(retail('gateway'))
    expect(callerOf('order-fulfillment-api')).toBe(retail('my-shopping-api'))
    expect(callerOf('orders-api')).toBe(retail('order-fulfillment-api'))
    // One span per retail hop: each callee's SERVER span hangs from its caller's, no CLIENT span
    // between them and no parent id that is not in the trace.
    const hopOf = (service: string) =>
      spans.find((s) => s.kind === SERVER && s.workloadId === retail(service))
    for (const [caller, callee] of [
      ['gateway', 'my-shopping-api'],
      ['my-shopping-api', 'order-fulfillment-api'],
      ['order-fulfillment-api', 'orders-api'],
    ] as const) {
      expect(hopOf(callee)?.parentSpanId, `${callee} under ${caller}`).toBe(hopOf(caller)?.spanId)
    }

    for (const service of SUBSCRIBERS) {
      const span = spans.find((s) => s.kind === CONSUMER && s.workloadId === retail(service))
      const a = span?.attributes ?? {}
      expect(a['mythical.event.opened_by'], `${service} opened order.placed`).toBe(retail(service))
      expect(a['mythical.event.issuer']).toBe(retail('order-fulfillment-api'))
      expect(String(a['mythical.event.encryption'])).toMatch(/A256GCM/)
      expect(String(a['mythical.event.recipients'])).toMatch(/^\d+ recipients in \d+ envelopes/)
      expect(decisionsOf(span as Span)).toContain('allow event.processed')
    }
    // Never a token, a signature or a card number in what the trace answers.
    expect(trace.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./)
    expect(trace.text).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/)
  })

  test('Bob asking for Katie’s trace id gets 404', async ({ edge }) => {
    test.setTimeout(90_000)
    expect(orderTrace).not.toBe('')
    const res = await get(edge, bob, `/shopping/me/traces/${orderTrace}`)
    expect(res.status, res.text).toBe(404)
    expect(problemOf(res).code).toBe('ZT_ERR_NOT_FOUND')
  })

  test('Katie’s refused attempt at Bob’s order is in her recent requests, with who decided and why', async ({
    edge,
    katie,
  }) => {
    test.setTimeout(60_000)
    const bobsOrder = await placeOrder(edge, bob)
    const attempt = await get(edge, katie, `/shopping/me/orders/${bobsOrder}`)
    expect(attempt.status).toBe(404)
    refusedTrace = problemOf(attempt).traceId
    // Each workload exports in its own batches: until orders-api's span is in, the deepest refusal
    // the store holds is an earlier hop's. Wait for the hop that decided, then read the summary.
    const decided = await eventually(
      () => get(edge, katie, `/shopping/me/traces/${refusedTrace}`),
      (r) =>
        r.status === 200 &&
        r
          .json<{ spans: Span[] }>()
          .spans.some((s) => s.kind === SERVER && s.workloadId === retail('orders-api')),
    )
    expect(decided.status, decided.text).toBe(200)
    const recent = await eventually(
      () => get(edge, katie, '/shopping/me/traces'),
      (r) =>
        r.status === 200 &&
        r
          .json<{ traces: RecentTrace[] }>()
          .traces.some((t) => t.traceId === refusedTrace && t.refusal),
    )
    const listed = recent.json<{ traces: RecentTrace[] }>().traces
    const refused = listed.find((t) => t.traceId === refusedTrace)
    // orders-api decided: row-level security hides Bob's order from Katie's transaction.
    expect(refused?.refusal).toEqual({
      workloadId: retail('orders-api'),
      reason: 'ZT_ERR_NOT_FOUND',
    })
    // Her traces are hers: Bob's recent requests show neither her order nor her attempt.
    const bobs = await get(edge, bob, '/shopping/me/traces')
    expect(bobs.status, bobs.text).toBe(200)
    const bobsTraces = bobs.json<{ traces: RecentTrace[] }>().traces.map((t) => t.traceId)
    expect(bobsTraces).not.toContain(orderTrace)
    expect(bobsTraces).not.toContain(refusedTrace)
  })

  test('the IdP’s token exchange is a hop of her trace, under the gateway’s CLIENT span', async ({
    edge,
  }) => {
    test.setTimeout(90_000)
    // A fresh sign-in: the gateway has no exchanged token cached for it, so it asks the IdP.
    const fresh = await signInShopper('katie')
    const first = await get(edge, fresh, '/shopping/me/orders')
    expect(first.status, first.text).toBe(200)
    const traceId = String(first.headers.traceparent).split('-')[1]
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    // The gateway's exchange (my-shopping-api exchanges again further down the same trace).
    const isExchange = (s: Span) =>
      s.kind === SERVER &&
      s.workloadId === retail('idp') &&
      s.attributes['mythical.oauth.grant_type'] ===
        'urn:ietf:params:oauth:grant-type:token-exchange' &&
      s.attributes['mythical.token.client_id'] === 'gateway'
    // Each workload exports in its own batches: wait for the IdP's span and its parent.
    const withParent = (spans: Span[]) =>
      spans.some((e) => isExchange(e) && spans.some((s) => s.spanId === e.parentSpanId))
    const trace = await eventually(
      () => get(edge, fresh, `/shopping/me/traces/${traceId}`),
      (r) => r.status === 200 && withParent(r.json<{ spans: Span[] }>().spans),
    )
    expect(trace.status, trace.text).toBe(200)
    const spans = trace.json<{ spans: Span[] }>().spans
    const exchange = spans.find(isExchange)
    const a = exchange?.attributes ?? {}
    expect(a['mythical.peer.workload_id'], 'the caller’s certificate').toBe(retail('gateway'))
    expect(String(a['mythical.oauth.requested_audience'])).toContain('my-shopping-api')
    expect(String(a['mythical.token.act'])).toContain(retail('gateway'))
    expect(decisionsOf(exchange as Span)).toContain('allow token_exchange.issued')
    // Its parent is the gateway's CLIENT span of that call, in the same trace (no dangling id).
    const parent = spans.find((s) => s.spanId === exchange?.parentSpanId)
    expect(parent?.kind).toBe(CLIENT)
    expect(parent?.workloadId).toBe(retail('gateway'))
    // Never a token or a client assertion in the IdP's span.
    expect(trace.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./)
  })

  test('reading her traces takes traces:read: her token with orders:read only gets 403', async ({
    edge,
  }) => {
    test.setTimeout(60_000)
    expect(orderTrace).not.toBe('')
    const ordersOnly = await signInShopper('katie', GATEWAY_RESOURCE, 'openid orders:read')
    // The same token reads her orders: the scope, not the token, is what is refused.
    const orders = await get(edge, ordersOnly, '/shopping/me/orders')
    expect(orders.status, orders.text).toBe(200)
    for (const path of ['/shopping/me/traces', `/shopping/me/traces/${orderTrace}`]) {
      const res = await get(edge, ordersOnly, path)
      expect(res.status, res.text).toBe(403)
      const problem = problemOf(res)
      expect(problem.code).toBe('ZT_ERR_INSUFFICIENT_SCOPE')
      expect(res.headers['www-authenticate']).toMatch(/scope="traces:read"/)
      const records = await auditRecordsOf(
        problem.traceId,
        'my-shopping-api',
        hasDecision('deny', 'scope.insufficient'),
      )
      expect(records.find((r) => r.decision === 'deny')).toMatchObject({
        reason: 'scope.insufficient',
        subject: 'katie',
      })
    }
  })

  test.describe('in the browser', () => {
    let browser: Browser
    test.beforeAll(async () => {
      browser = await launchTrustingBrowser()
    })
    test.afterAll(async () => browser?.close())

    test('the trace page shows every hop; the recent page shows the refusal', async () => {
      test.setTimeout(90_000)
      expect(orderTrace).not.toBe('')
      const context = await personaContext(browser, 'katie')
      const page = await context.newPage()
      await page.goto(`${WEB}/trace/${orderTrace}`)
      const hops = page.getByTestId('trace-hop')
      await expect(hops.first()).toBeVisible({ timeout: 30_000 })
      expect(await hops.count()).toBeGreaterThanOrEqual(REQUEST_HOPS.length + SUBSCRIBERS.length)
      const callees = await page.getByTestId('hop-callee').allInnerTexts()
      for (const service of [...REQUEST_HOPS, ...SUBSCRIBERS]) expect(callees).toContain(service)
      await expect(page.getByTestId('claim-act').first()).toBeVisible()
      await expect(page.getByTestId('envelope-opened-by').first()).toBeVisible()
      await expect(page.getByTestId('hop-decision').first()).toBeVisible()
      await page.screenshot({ path: screenshotPath('trust-trace'), fullPage: true })

      await page.goto(`${WEB}/trace`)
      const row = page.locator(`[data-trace-id="${refusedTrace}"]`)
      await expect(row).toBeVisible({ timeout: 30_000 })
      await expect(row.getByTestId('recent-refusal')).toContainText('orders-api')
      await expect(row.getByTestId('recent-refusal')).toContainText('ZT_ERR_NOT_FOUND')
      await context.close()
    })
  })
})
