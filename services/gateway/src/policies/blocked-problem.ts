import type { ProblemClass } from '@mythical/problem'

/** A refusal that says when to retry: whole seconds, rounded up (RFC 9110 `Retry-After`). */
export const blockedProblem = (Problem: ProblemClass, retryInMs: number) =>
  new Problem(undefined, {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryInMs / 1000))) },
  })
