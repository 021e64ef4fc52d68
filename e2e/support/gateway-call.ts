/**
 * Calls to the gateway the way the web BFF makes them — `Authorization: DPoP <opaque token>` and
 * a fresh DPoP proof bound to the method, the URL and the token — with every part overridable,
 * so a spec changes exactly the one thing its attack is about. And the one assertion every
 * refusal makes: status, problem `code`, and the gateway's audit record of that very request
 * (found by the problem's `traceId`) with the expected reason.
 */
import { expect } from '@playwright/test'
import { auditRecordsOf } from './audit-log.ts'
import type { LoggedDecision } from './audit-log.ts'
import { GATEWAY_ORIGIN } from './edge-client.ts'
import type { EdgeClient, EdgeResponse } from './edge-client.ts'
import type { ShopperSession } from './shopper.ts'

export interface DpopCall {
  readonly method?: string
  /** Path and query at the gateway. */
  readonly path: string
  readonly session: ShopperSession
  /** The access token sent; default the session's. */
  readonly token?: string
  /** Authorization scheme; default `DPoP`. */
  readonly scheme?: string
  /** The `DPoP` header; default a fresh proof by the session's key. `null`: none at all. */
  readonly proof?: string | null
  readonly headers?: Record<string, string>
  readonly body?: string | Buffer
}

/** The `htu` of a gateway path: scheme, host and path, no query or fragment (RFC 9449 §4.2). */
export const htuOf = (path: string): string =>
  new URL(path, GATEWAY_ORIGIN).href.split(/[?#]/)[0] ?? ''

/** A fresh, valid proof for this call by the session's own key. */
export function proofFor(call: Pick<DpopCall, 'method' | 'path' | 'session' | 'token'>) {
  return call.session.dpop.proof(
    call.method ?? 'GET',
    htuOf(call.path),
    call.token ?? call.session.accessToken,
  )
}

/** Sends one DPoP-authenticated request from `edge`. */
export async function callWithDpop(edge: EdgeClient, call: DpopCall): Promise<EdgeResponse> {
  const token = call.token ?? call.session.accessToken
  const proof = call.proof === undefined ? await proofFor(call) : call.proof
  return edge.send({
    method: call.method ?? 'GET',
    path: call.path,
    headers: {
      authorization: `${call.scheme ?? 'DPoP'} ${token}`,
      ...(proof === null ? {} : { dpop: proof }),
      ...call.headers,
    },
    ...(call.body === undefined ? {} : { body: call.body }),
  })
}

export interface ExpectedRefusal {
  readonly status: number
  /** The problem's stable `ZT_ERR_*` code. */
  readonly code: string
  /** The audit record's reason code. */
  readonly reason: string
  /** Values of the request (tokens, proofs) that must appear in neither answer nor record. */
  readonly secrets?: readonly string[]
}

/** The problem document of a refusal, checked for the parts the contract promises. */
export function problemOf(response: EdgeResponse): { code: string; traceId: string } {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  const problem = response.json<{ code?: unknown; traceId?: unknown; status?: unknown }>()
  expect(problem.status).toBe(response.status)
  expect(typeof problem.code).toBe('string')
  expect(problem.traceId).toMatch(/^[0-9a-f]{32}$/)
  return { code: String(problem.code), traceId: String(problem.traceId) }
}

/**
 * Asserts the refusal and returns the gateway's deny record for it. Nothing on that trace was
 * allowed, and no secret of the request leaked into the answer or the record.
 */
export async function expectRefusal(
  response: EdgeResponse,
  expected: ExpectedRefusal,
): Promise<LoggedDecision> {
  expect(response.status, response.text).toBe(expected.status)
  const { code, traceId } = problemOf(response)
  expect(code).toBe(expected.code)
  const records = await auditRecordsOf(traceId)
  expect(records.map((r) => `${r.decision} ${r.reason}`)).toContain(`deny ${expected.reason}`)
  expect(records.filter((r) => r.decision === 'allow')).toEqual([])
  const written = JSON.stringify(records) + response.text
  for (const secret of expected.secrets ?? []) {
    expect(secret.length).toBeGreaterThanOrEqual(8)
    expect(written.includes(secret), 'no token or proof in the answer or the audit record').toBe(
      false,
    )
  }
  return records.find((r) => r.reason === expected.reason) as LoggedDecision
}
