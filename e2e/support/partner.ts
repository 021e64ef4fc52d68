/**
 * The shipping partner's public edge as a client sees it (TB10): order-tracking-api at
 * https://localhost:5443, TLS anchored in the shipping CA, `Authorization: Bearer <partner token>`.
 * Tokens come from the real federation (`@mythical/testing` `federateToPartner`) or are made up
 * here the ways an attacker would: a self-made issuer, and tokens signed with the partner IdP's
 * real key but expired or without the scope (what a stolen-key or replay attempt would bring).
 */
import { randomUUID } from 'node:crypto'
import { expect } from '@playwright/test'
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose'
import type { JWTPayload } from 'jose'
import { request, newTrace, secretJwk, ORDER_TRACKING_RESOURCE } from '@mythical/testing'
import type { Response } from '@mythical/testing'
import { auditRecordsOf, type LoggedDecision } from './audit-log.ts'
import { callWithDpop } from './gateway-call.ts'
import type { EdgeClient } from './edge-client.ts'
import type { ShopperSession } from './shopper.ts'

export const TRACKING_ORIGIN = 'https://localhost:5443'
export const PARTNER_ISSUER = 'https://localhost:5000'
const TRACKING_SERVICE = 'order-tracking-api'

export const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }

/** A tracking answer with the trace id the request was sent under. */
export interface TrackingResponse extends Response {
  readonly traceId: string
}

/** `GET /parcels?order=` with `token` (no token at all when undefined). */
export async function trackParcels(
  orderId: string,
  token: string | undefined,
): Promise<TrackingResponse> {
  const trace = newTrace()
  const res = await request(`${TRACKING_ORIGIN}/parcels?order=${encodeURIComponent(orderId)}`, {
    trust: 'shipping',
    headers: {
      ...trace.headers,
      accept: 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  })
  return { ...res, traceId: trace.traceId }
}

/** Polls until the partner has the parcel (shipping-api consumes `order.placed` asynchronously). */
export async function parcelsOnceShipped(
  orderId: string,
  partnerToken: () => Promise<string>,
  timeoutMs = 20_000,
): Promise<TrackingResponse> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // A fresh token each time: partner tokens are short-lived and the poll may outlast one.
    const res = await trackParcels(orderId, await partnerToken())
    if (res.status !== 404 || Date.now() > deadline) return res
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** Places an order for `session` through the gateway with the test card; returns its id. */
export async function placeOrder(edge: EdgeClient, session: ShopperSession): Promise<string> {
  const placed = await callWithDpop(edge, {
    method: 'POST',
    path: '/shopping/me/orders',
    session,
    headers: { 'content-type': 'application/json', 'idempotency-key': `tb10-${randomUUID()}` },
    body: JSON.stringify({ items: [{ sku: 'sku-trail-shoe', quantity: 1 }], card: TEST_CARD }),
  })
  expect(placed.status, placed.text).toBe(201)
  return JSON.parse(placed.text).id as string
}

/** Claims of a partner-looking token for `subject`, with `overrides`. */
function partnerClaims(subject: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: PARTNER_ISSUER,
    aud: ORDER_TRACKING_RESOURCE,
    sub: subject,
    client_id: 'web',
    scope: 'tracking:read',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...overrides,
  }
}

/** A JWT from an issuer the partner never trusted, signed by its own key, claiming everything. */
export async function untrustedIssuerToken(subject: string): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const kid = (await exportJWK(publicKey)).x ?? 'k'
  return new SignJWT(partnerClaims(subject, { iss: 'https://partner-idp.attacker.example' }))
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(privateKey)
}

/** A token signed with partner-idp's real signing key, with `overrides` (expired, no scope…). */
export async function partnerSignedToken(subject: string, overrides: JWTPayload): Promise<string> {
  const jwk = secretJwk('partner-idp')
  return new SignJWT(partnerClaims(subject, overrides))
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid ?? '' })
    .sign(await importJWK(jwk, 'ES256'))
}

export interface ExpectedTrackingRefusal {
  readonly status: number
  readonly code: string
  readonly reason: string
  /** Tokens that must appear in neither the answer nor the audit record. */
  readonly secrets?: readonly string[]
}

/**
 * Asserts a refusal at order-tracking-api: status, problem+json with its `code` and the trace id
 * the request was sent under, and order-tracking-api's deny record for that trace.
 */
export async function expectTrackingRefusal(
  res: TrackingResponse,
  expected: ExpectedTrackingRefusal,
): Promise<LoggedDecision> {
  expect(res.status, res.text).toBe(expected.status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const problem = res.json<{ code?: string; traceId?: string; status?: number }>()
  expect(problem.code).toBe(expected.code)
  expect(problem.status).toBe(expected.status)
  expect(problem.traceId).toBe(res.traceId)
  const records = await auditRecordsOf(res.traceId, TRACKING_SERVICE)
  expect(records.map((r) => `${r.decision} ${r.reason}`)).toEqual([`deny ${expected.reason}`])
  const written = JSON.stringify(records) + res.text
  for (const secret of expected.secrets ?? []) {
    expect(written.includes(secret), 'no token in the answer or the audit record').toBe(false)
  }
  return records[0] as LoggedDecision
}
