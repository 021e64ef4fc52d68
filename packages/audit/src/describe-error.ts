/**
 * What a log may say about a failure: the class name and stable code of the error and of each
 * `cause`, nothing else. Messages and stacks stay out of logs because they are where secrets,
 * tokens, SQL and card numbers end up (a driver echoing its input, a library quoting a header).
 * The stable codes are enough to find the failing branch in the source.
 *
 * @example
 * ```ts
 * request.log.error({ failure: describeError(err) }, 'request failed')
 * // { failure: [{ name: 'DatabaseUnavailable', code: 'ERR_DB_UNAVAILABLE' }, { name: 'Error', code: 'ECONNREFUSED' }] }
 * ```
 */
export interface ErrorSummary {
  name: string
  code?: string
}

const MAX_CAUSES = 5

export function describeError(error: unknown): ErrorSummary[] {
  const chain: ErrorSummary[] = []
  let current: unknown = error
  while (current !== undefined && current !== null && chain.length < MAX_CAUSES) {
    if (!(current instanceof Error)) {
      chain.push({ name: typeof current })
      break
    }
    const code = (current as { code?: unknown }).code
    chain.push(typeof code === 'string' ? { name: current.name, code } : { name: current.name })
    current = current.cause
  }
  return chain
}
