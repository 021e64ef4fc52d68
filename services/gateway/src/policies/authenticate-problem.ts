import { SIGNING_ALGORITHMS } from '@mythical/oauth'
import type { ProblemClass } from '@mythical/problem'

/**
 * A 401 with the DPoP challenge of RFC 9449 §7.1: the scheme, the proof algorithms accepted
 * and, when a token or proof was presented, the OAuth error (`invalid_token` or
 * `invalid_dpop_proof`). The description stays generic: the audit record holds the reason.
 */
export function dpopChallenge(
  Problem: ProblemClass,
  error?: 'invalid_token' | 'invalid_dpop_proof',
) {
  const params = [...(error ? [`error="${error}"`] : []), `algs="${SIGNING_ALGORITHMS.join(' ')}"`]
  return new Problem(undefined, { headers: { 'www-authenticate': `DPoP ${params.join(', ')}` } })
}
