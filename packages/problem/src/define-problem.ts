import { assertProblemFields, ProblemError } from './problem-error.ts'
import type { ProblemOptions } from './problem-error.ts'

/** A problem class made by {@link defineProblem}: fixed code, status and title. */
export interface ProblemClass {
  new (detail?: string, opts?: ProblemOptions): ProblemError
  readonly code: string
  readonly status: number
  readonly title: string
}

/** `ZT_ERR_PEER_NOT_ALLOWED` → `PeerNotAllowed`, so logs show a readable `name`. */
function className(code: string): string {
  return code
    .replace(/^ZT_ERR_/, '')
    .toLowerCase()
    .replace(/(?:^|_)([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase())
}

/**
 * Makes a problem class for one stable code, like oidc-provider's `E('access_denied')`.
 * Code and status are validated now, so a typo fails at import time rather than mid-request.
 *
 * @example
 * ```ts
 * export const OrderNotPayable = defineProblem('ZT_ERR_ORDER_NOT_PAYABLE', 409, 'Order cannot be paid')
 * throw new OrderNotPayable('order is already settled')
 * ```
 */
export function defineProblem(code: string, status: number, title: string): ProblemClass {
  assertProblemFields(status, code)
  const Problem = class extends ProblemError {
    static readonly code = code
    static readonly status = status
    static readonly title = title
    constructor(detail?: string, opts?: ProblemOptions) {
      super({ ...opts, status, code, title, ...(detail === undefined ? {} : { detail }) })
    }
  }
  Object.defineProperty(Problem, 'name', { value: className(code) })
  return Problem
}
