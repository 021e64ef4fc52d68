/**
 * An audit record as a span event: every decision field that explains the hop is mapped, the
 * `act` chain becomes one readable attribute, and nothing else is (the record's closed shape has
 * no member for a token; the test pins that the mapping adds none).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  actorChainText,
  decisionEventAttributes,
  TRUST_ATTRIBUTES,
  type AuditRecord,
} from '../src/index.ts'

const record: AuditRecord = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  boundary: 'TB06',
  caller: 'spiffe://retail.mythical.example/order-fulfillment-api',
  subject: 'katie-sub',
  client: 'order-fulfillment-api',
  audience: 'https://orders-api.retail.mythical.example',
  scope: 'orders:read',
  act: { sub: 'order-fulfillment-api', act: { sub: 'my-shopping-api', act: { sub: 'gateway' } } },
  route: 'GET /orders/:id',
  decision: 'allow',
  reason: 'token.accepted',
  tokenId: 'jti-1',
}

describe('decisionEventAttributes', () => {
  it('maps the decision and the hop facts to trust attributes', () => {
    const a = TRUST_ATTRIBUTES
    assert.deepEqual(decisionEventAttributes(record), {
      [a.decision]: 'allow',
      [a.reason]: 'token.accepted',
      [a.boundary]: 'TB06',
      [a.route]: 'GET /orders/:id',
      [a.peer]: 'spiffe://retail.mythical.example/order-fulfillment-api',
      [a.enduser]: 'katie-sub',
      [a.client]: 'order-fulfillment-api',
      [a.audience]: 'https://orders-api.retail.mythical.example',
      [a.scope]: 'orders:read',
      [a.act]: 'order-fulfillment-api ← my-shopping-api ← gateway',
    })
  })

  it('leaves out what the record does not say, and never the token id or the trace id', () => {
    const attributes = decisionEventAttributes({
      traceId: record.traceId,
      decision: 'deny',
      reason: 'mtls.peer_not_allowed',
      tokenId: 'jti-2',
    })
    assert.deepEqual(Object.keys(attributes).sort(), [
      TRUST_ATTRIBUTES.decision,
      TRUST_ATTRIBUTES.reason,
    ])
  })
})

describe('actorChainText', () => {
  it('lists the current actor first', () => {
    assert.equal(actorChainText({ sub: 'b', act: { sub: 'a' } }), 'b ← a')
  })
})
