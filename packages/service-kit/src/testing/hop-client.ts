/**
 * A client for tests of a hop service: requests over mTLS as one of several workloads, with the
 * audit records the request produced, and the assertion every refusal test makes.
 */
import assert from 'node:assert/strict'
import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import { request } from 'undici'

/** One answer, with the audit records written while it was handled. */
export interface HopTestResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Record<string, unknown>
  readonly records: readonly Record<string, unknown>[]
}

/** Options of one {@link HopTestClient} request. */
export interface HopTestRequest {
  /** Sent as `Authorization: Bearer`. */
  readonly token?: string
  /** Sent as JSON. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Which workload calls; default the first one given. */
  readonly as?: string
}

/** Requests to one hop service as the given workloads. */
export interface HopTestClient {
  call(method: 'GET' | 'POST', path: string, options?: HopTestRequest): Promise<HopTestResponse>
  close(): Promise<void>
}

/**
 * @example
 * ```ts
 * const client = createHopTestClient(url, { gateway: gateway.identity, web: web.identity },
 *   () => auditRecords)
 * const res = await client.call('GET', '/shopping/me', { token })
 * assertDenied(res, 401, 'ZT_ERR_TOKEN_MISSING', 'token.missing')
 * ```
 */
export function createHopTestClient(
  url: string,
  callers: Readonly<Record<string, WorkloadIdentity>>,
  auditRecords: () => readonly Record<string, unknown>[],
): HopTestClient {
  const agents = new Map(Object.entries(callers).map(([name, id]) => [name, createMtlsAgent(id)]))
  const first = Object.keys(callers)[0] ?? ''
  return {
    async call(method, path, options = {}) {
      const dispatcher = agents.get(options.as ?? first)
      if (!dispatcher) throw new TypeError(`no caller "${options.as ?? first}"`)
      const before = auditRecords().length
      const res = await request(`${url}${path}`, {
        method,
        dispatcher,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      })
      const text = await res.body.text()
      return {
        status: res.statusCode,
        headers: res.headers,
        body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        records: auditRecords().slice(before),
      }
    },
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()))
    },
  }
}

/**
 * A refusal as the hop kit answers it: the status, the problem code, and exactly one audit
 * record — a deny with this reason and status.
 */
export function assertDenied(
  res: HopTestResponse,
  status: number,
  code: string,
  reason: string,
): void {
  assert.equal(res.status, status)
  assert.equal(res.body.code, code)
  assert.equal(res.records.length, 1, 'one audit record per decision')
  assert.equal(res.records[0]?.decision, 'deny')
  assert.equal(res.records[0]?.reason, reason)
  assert.equal(res.records[0]?.status, status)
}
