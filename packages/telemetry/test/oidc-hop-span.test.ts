/**
 * The IdP's hop span (oidc-provider's Koa context, stubbed here: the real provider is exercised
 * by the IdP's own suites and the e2e trust trace). It continues the caller's CLIENT span with the
 * id the IdP echoes, carries the IdP's audit decisions as events, names the client, the grant and
 * what was requested and issued, marks an OAuth refusal, and never holds a credential.
 */
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { after, describe, it } from 'node:test'
import { createAuditLogger, DECISION_EVENT, TRUST_ATTRIBUTES } from '@mythical/audit'
import { OAUTH_ATTRIBUTES, oidcHopSpan, PROBLEM_CODE, REFUSAL_EVENT } from '../src/index.ts'
import type { OidcRequestContext } from '../src/index.ts'
import { startTestTracing } from '../src/testing.ts'

const IDP = 'spiffe://retail.mythical.example/idp'
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const HOP_SPAN = 'b7ad6b7169203331'
const ASSERTION = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ3ZWIifQ.c2lnbmF0dXJl'
const SUBJECT_TOKEN = 'opaque-subject-token-value'

const tracing = startTestTracing('idp', { spiffeId: IDP, certPem: '', keyPem: '', caPem: '' })
after(() => tracing.shutdown())
const audit = createAuditLogger({ service: 'idp', level: 'silent' })

/** A request as it reaches oidc-provider: the header already replaced by the IdP's hop. */
function tokenRequest(status: number, body: unknown): OidcRequestContext & { status: number } {
  return {
    req: {
      headers: { traceparent: `00-${TRACE}-${HOP_SPAN}-01` },
      socket: {},
    } as unknown as IncomingMessage,
    method: 'POST',
    path: '/token',
    status,
    body,
    oidc: {
      route: 'token',
      client: { clientId: 'gateway' },
      params: {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        resource: 'https://my-shopping-api.retail.mythical.example',
        scope: 'orders:read',
        subject_token: SUBJECT_TOKEN,
        client_assertion: ASSERTION,
      },
    },
  }
}

const middleware = oidcHopSpan({
  workloadId: IDP,
  callerTraceparent: () => `00-${TRACE}-${CALLER_SPAN}-01`,
  issuedToken: (ctx) =>
    ctx.status === 200
      ? {
          sub: 'katie-sub',
          aud: 'https://my-shopping-api.retail.mythical.example',
          scope: 'orders:read',
          act: { sub: 'spiffe://retail.mythical.example/gateway' },
        }
      : undefined,
})

async function handle(ctx: OidcRequestContext, decide: () => void) {
  tracing.reset()
  await middleware(ctx, async () => decide())
  const spans = await tracing.spans()
  assert.equal(spans.length, 1)
  return spans[0] as (typeof spans)[number]
}

describe('oidcHopSpan', () => {
  it('continues the caller span with the hop id and carries the IdP decision', async () => {
    const span = await handle(tokenRequest(200, { access_token: 'x' }), () =>
      audit.decision({
        traceId: TRACE,
        decision: 'allow',
        reason: 'token_exchange.issued',
        subject: 'katie-sub',
        act: { sub: 'spiffe://retail.mythical.example/gateway' },
      }),
    )
    assert.equal(span.kind, 1)
    assert.equal(span.spanContext().traceId, TRACE)
    assert.equal(span.spanContext().spanId, HOP_SPAN)
    assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN)
    assert.equal(span.name, 'POST token')
    const reasons = span.events
      .filter((e) => e.name === DECISION_EVENT)
      .map((e) => e.attributes?.[TRUST_ATTRIBUTES.reason])
    assert.deepEqual(reasons, ['token_exchange.issued'])
  })

  it('names the client, the grant, what was requested and the act chain issued', async () => {
    const span = await handle(tokenRequest(200, {}), () => undefined)
    const a = span.attributes
    assert.equal(a[TRUST_ATTRIBUTES.workload], IDP)
    assert.equal(a[TRUST_ATTRIBUTES.client], 'gateway')
    assert.equal(a[OAUTH_ATTRIBUTES.grantType], 'urn:ietf:params:oauth:grant-type:token-exchange')
    assert.equal(
      a[OAUTH_ATTRIBUTES.requestedAudience],
      'https://my-shopping-api.retail.mythical.example',
    )
    assert.equal(a[OAUTH_ATTRIBUTES.requestedScope], 'orders:read')
    assert.equal(a[TRUST_ATTRIBUTES.act], 'spiffe://retail.mythical.example/gateway')
    assert.equal(a[TRUST_ATTRIBUTES.enduser], 'katie-sub')
    assert.equal(a[TRUST_ATTRIBUTES.status], 200)
  })

  it('marks an OAuth refusal with its error code', async () => {
    const span = await handle(tokenRequest(400, { error: 'invalid_grant' }), () => undefined)
    const refusal = span.events.find((e) => e.name === REFUSAL_EVENT)
    assert.equal(refusal?.attributes?.[PROBLEM_CODE], 'invalid_grant')
    assert.equal(span.status.code, 2)
    assert.equal(span.attributes[TRUST_ATTRIBUTES.enduser], undefined)
  })

  it('holds no subject token, client assertion or issued token', async () => {
    const span = await handle(tokenRequest(200, { access_token: 'issued-token-value' }), () => {})
    const text = JSON.stringify({ a: span.attributes, e: span.events, n: span.name })
    for (const secret of [SUBJECT_TOKEN, ASSERTION, 'issued-token-value']) {
      assert.ok(!text.includes(secret), secret)
    }
  })
})
