/**
 * RFC 9457 problem details: the one error shape every Mythical Retail API answers with.
 *
 * @module
 */

/** Media type of a problem details body (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Base of every problem `type` URI; the stable code is appended. */
export const PROBLEM_TYPE_BASE = 'https://mythical.example/problems/'

/** Stable codes are part of the public contract: clients and tests switch on them. */
const CODE_PATTERN = /^ZT_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*$/

/** Options shared by {@link ProblemError} and every class made by `defineProblem`. */
export interface ProblemOptions {
  /** The underlying error; kept for logs, never written to a response body. */
  cause?: unknown
  /** Extra members of the problem document (RFC 9457 §3.2); cannot override standard members. */
  extensions?: Record<string, unknown>
  /** Response headers that belong to this problem, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>
}

/** Constructor options of {@link ProblemError}. */
export interface ProblemInit extends ProblemOptions {
  /** HTTP status code, 400-599. */
  status: number
  /** Stable `ZT_ERR_*` code. */
  code: string
  /** Short, human-readable summary that does not change between occurrences. */
  title: string
  /** Explanation specific to this occurrence. Sent to the client: never put secrets in it. */
  detail?: string
}

/**
 * An error that is safe to show to the caller as a problem details document.
 *
 * @example
 * ```ts
 * throw new ProblemError({ status: 409, code: 'ZT_ERR_ORDER_EXISTS', title: 'Order already exists' })
 * ```
 */
export class ProblemError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail?: string
  readonly extensions: Readonly<Record<string, unknown>>
  readonly headers: Readonly<Record<string, string>>

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, init.cause === undefined ? undefined : { cause: init.cause })
    assertProblemFields(init.status, init.code)
    this.name = this.constructor.name
    this.status = init.status
    this.code = init.code
    this.title = init.title
    if (init.detail !== undefined) this.detail = init.detail
    this.extensions = { ...init.extensions }
    this.headers = { ...init.headers }
  }
}

/**
 * Throws a `TypeError` unless `status` is 400-599 and `code` a `ZT_ERR_*` code: a bad value is a
 * programming error and must surface at definition time, not as a malformed response.
 */
export function assertProblemFields(status: number, code: string): void {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError('"status" must be an integer 400-599')
  }
  if (!CODE_PATTERN.test(code)) {
    throw new TypeError('"code" must be an upper-case ZT_ERR_* code')
  }
}

/** The `type` URI of a problem code, e.g. `https://mythical.example/problems/ZT_ERR_FORBIDDEN`. */
export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code}`
}
