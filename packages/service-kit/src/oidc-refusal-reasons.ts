/**
 * Maps an oidc-provider refusal to a stable audit reason code, the same in both IdPs (failed
 * client authentication is `client_auth.*` everywhere). oidc-provider reports *what* failed only
 * in prose (`error_detail` / `error_description`), so the mapping is one ordered table here
 * rather than string matching scattered through the code. The first matching row wins; an
 * unmatched refusal falls back to `oauth.<error>`. The prose itself never leaves this module: an
 * audit record carries the code only.
 */

interface ProviderError {
  /** Set by our own checks (token exchange, resource policy) that know the precise reason. */
  auditReason?: unknown
  error?: unknown
  error_description?: unknown
  error_detail?: unknown
  message?: unknown
}

const REASONS: readonly (readonly [error: string, pattern: RegExp, reason: string])[] = [
  ['invalid_client', /must only be used once/, 'client_auth.assertion_replayed'],
  ['invalid_client', /"exp" claim|expired/, 'client_auth.assertion_expired'],
  [
    'invalid_client',
    /signature verification failed|no applicable key found|alg mismatch/,
    'client_auth.assertion_bad_signature',
  ],
  [
    'invalid_client',
    /does not match the registered client authentication method/,
    'client_auth.method_not_allowed',
  ],
  ['invalid_client', /certificate/, 'client_auth.certificate_rejected'],
  ['invalid_client', /client not found/, 'client_auth.unknown_client'],
  ['invalid_client', /audience \(aud\)/, 'client_auth.assertion_wrong_audience'],
  ['invalid_client', /./, 'client_auth.failed'],
  [
    'invalid_request',
    /client_secret|authentication must only be provided/,
    'client_auth.method_not_allowed',
  ],
  // "code_challenge must be provided with code_challenge_method" is a missing challenge.
  [
    'invalid_request',
    /code_challenge must be provided|requires PKCE/,
    'authorization.pkce_required',
  ],
  ['invalid_request', /code_challenge_method|plain/, 'authorization.pkce_method_not_allowed'],
  ['invalid_request', /code_challenge/, 'authorization.pkce_required'],
  ['invalid_request', /pushed authorization request/i, 'authorization.par_required'],
  ['invalid_redirect_uri', /./, 'authorization.redirect_uri_mismatch'],
  ['invalid_request', /redirect_uri/, 'authorization.redirect_uri_mismatch'],
  ['invalid_grant', /already consumed/, 'token.code_replayed'],
  ['invalid_grant', /code_verifier|PKCE/, 'token.pkce_verifier_mismatch'],
  ['invalid_grant', /redirect_uri mismatch/, 'token.redirect_uri_mismatch'],
  // A proof that was sent but is wrong (replayed, other key than the code's dpop_jkt) …
  ['invalid_grant', /DPoP proof JWT Replay|does not match dpop_jkt/, 'token.dpop_invalid'],
  // … versus none at all where the client or code requires one.
  ['invalid_grant', /DPoP/, 'token.dpop_required'],
  ['invalid_grant', /mutual TLS/, 'token.certificate_required'],
  ['invalid_dpop_proof', /./, 'token.dpop_invalid'],
]

/**
 * Tag an OAuth error with the audit reason code our own check determined.
 *
 * @example
 * ```ts
 * throw withReason(new errors.InvalidScope('scope widening', 'orders:write'), 'token_exchange.scope_widening')
 * ```
 */
export function withReason<E extends Error>(err: E, reason: string): E {
  return Object.assign(err, { auditReason: reason })
}

/**
 * Stable, dotted reason code for an oidc-provider error.
 *
 * @example
 * ```ts
 * refusalReason(new errors.InvalidClientAuth('client assertion tokens must only be used once'))
 * // 'client_auth.assertion_replayed'
 * ```
 */
export function refusalReason(err: unknown): string {
  const e = (err ?? {}) as ProviderError
  if (typeof e.auditReason === 'string') return e.auditReason
  const error = typeof e.error === 'string' ? e.error : 'server_error'
  const cause = (e as { cause?: { message?: unknown } }).cause?.message
  const text = [e.error_detail, e.error_description, e.message, cause]
    .filter((t): t is string => typeof t === 'string')
    .join(' ')
  const row = REASONS.find(([code, pattern]) => code === error && pattern.test(text))
  return row ? row[2] : `oauth.${error}`
}
