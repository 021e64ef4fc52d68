/**
 * What a hop answers when the next hop did not say yes. The callee's refusals that are about the
 * request — bad input (400), not found (404: another customer's resource looks exactly like a
 * missing one), conflict (409), unprocessable (422) — reach the caller with the callee's stable
 * code. A refusal of this hop's own credentials (401/403) is this hop's fault, not the user's:
 * 502 `ZT_ERR_DOWNSTREAM_REFUSED`. Anything else: 503. Details stay in the log.
 */
import { ProblemError, ServiceUnavailable, defineProblem } from '@mythical/problem'
import type { DownstreamResponse } from './downstream-client.ts'

/** 502: the next hop refused this service's own credentials (misconfiguration). */
export const DownstreamRefused = defineProblem(
  'ZT_ERR_DOWNSTREAM_REFUSED',
  502,
  'The next hop refused this service',
)

/** Statuses whose problem is relayed to the caller unchanged (code and title). */
const RELAYED = new Set([400, 404, 409, 422])

const CODE = /^ZT_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*$/

function relayed(response: DownstreamResponse): ProblemError {
  const body = (response.body ?? {}) as Record<string, unknown>
  const code = typeof body.code === 'string' && CODE.test(body.code) ? body.code : undefined
  return new ProblemError({
    status: response.status,
    code: code ?? (response.status === 404 ? 'ZT_ERR_NOT_FOUND' : 'ZT_ERR_BAD_REQUEST'),
    title: typeof body.title === 'string' ? body.title : 'Request refused',
    ...(typeof body.detail === 'string' ? { detail: body.detail } : {}),
  })
}

/**
 * The body of a 2xx answer; otherwise throws the problem this hop answers (see the module).
 *
 * @example
 * ```ts
 * const order = answerOf(await hop.downstream.callService('orders-api', `/orders/${id}`, call))
 * ```
 */
export function answerOf(response: DownstreamResponse, target: string): unknown {
  if (response.status >= 200 && response.status < 300) return response.body
  if (RELAYED.has(response.status)) throw relayed(response)
  if (response.status === 401 || response.status === 403) {
    throw new DownstreamRefused(`${target} refused this service's credentials`)
  }
  throw new ServiceUnavailable(`${target} is unavailable`)
}

/** A JSON object of an answer. */
export type JsonObject = Record<string, unknown>

/** `value` if it is a JSON object, else an empty one. */
export const jsonObject = (value: unknown): JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {}

/**
 * Only the named fields of `value` (absent ones stay absent): a hop copies its callee's answer
 * into its own contract field by field, so nothing the callee adds leaks further up.
 *
 * @example pickFields({ sub: 'katie', internalId: 42 }, ['sub', 'name']) // { sub: 'katie' }
 */
export const pickFields = (value: unknown, keys: readonly string[]): JsonObject => {
  const source = jsonObject(value)
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(source, k)).map((k) => [k, source[k]]))
}
