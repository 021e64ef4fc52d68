/**
 * The refusal-reason table (`@mythical/service-kit` `refusalReason`, which the IdP's audit uses)
 * against the exact errors oidc-provider raises. Each case builds the
 * error the way the pinned oidc-provider source does (file:line of 9.13.3 in the comment), with
 * the same class, message and `cause`, so the regexes are tested against real text. Upgrading
 * oidc-provider fails the version check below first: re-read the sites listed here, then bump it.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'
import { errors as joseErrors } from 'jose'
import { errors } from 'oidc-provider'
import { refusalReason, withReason } from '@mythical/service-kit'

/** The oidc-provider version whose error texts the cases below were copied from. */
const PINNED_OIDC_PROVIDER = '9.13.3'

/** oidc-provider wraps verification failures as `{ cause }`; the cause's message becomes `error_detail`. */
const because = (message: string) => ({ cause: new Error(message) })

/** PAR remaps `InvalidRedirectUri` to `invalid_request` (actions/authorization/pushed_authorization_requests.js:45). */
function parRedirectUriError() {
  const err = new errors.InvalidRedirectUri()
  return Object.assign(err, { message: 'invalid_request', error: 'invalid_request' })
}

const CASES: readonly (readonly [site: string, err: unknown, reason: string])[] = [
  // shared/jwt_client_auth.js:83
  [
    'replayed client assertion',
    new errors.InvalidClientAuth('client assertion tokens must only be used once'),
    'client_auth.assertion_replayed',
  ],
  // shared/jwt_client_auth.js:64 + helpers/jwt.js:115
  [
    'expired client assertion',
    new errors.InvalidClientAuth(because('jwt expired')),
    'client_auth.assertion_expired',
  ],
  // shared/jwt_client_auth.js:64 + helpers/jwt.js:171 (jose's default message)
  [
    'client assertion signed with another key',
    new errors.InvalidClientAuth({ cause: new joseErrors.JWSSignatureVerificationFailed() }),
    'client_auth.assertion_bad_signature',
  ],
  // shared/jwt_client_auth.js:23
  [
    'client assertion with another alg',
    new errors.InvalidClientAuth('alg mismatch'),
    'client_auth.assertion_bad_signature',
  ],
  // shared/client_auth.js:227
  [
    'client secret for a private_key_jwt client',
    new errors.InvalidClientAuth(
      'the provided authentication mechanism does not match the registered client authentication method',
    ),
    'client_auth.method_not_allowed',
  ],
  // helpers/defaults.js:633 (FAPI 2.0: the assertion's aud is the issuer, one string)
  [
    'client assertion for the token endpoint at a FAPI 2.0 IdP',
    new errors.InvalidClientAuth('audience (aud) must equal the issuer identifier url'),
    'client_auth.assertion_wrong_audience',
  ],
  // shared/jwt_client_auth.js:55
  [
    'client assertion for another server',
    new errors.InvalidClientAuth(
      'audience (aud) must equal the endpoint url, issuer identifier or token endpoint url',
    ),
    'client_auth.assertion_wrong_audience',
  ],
  // shared/jwt_client_auth.js:51
  [
    'client assertion whose aud list names no endpoint of this server',
    new errors.InvalidClientAuth(
      'list of audience (aud) must include the endpoint url, issuer identifier or token endpoint url',
    ),
    'client_auth.assertion_wrong_audience',
  ],
  // shared/client_auth.js:104
  [
    'client secret next to a client assertion',
    new errors.InvalidRequest('client authentication must only be provided using one mechanism'),
    'client_auth.method_not_allowed',
  ],
  // shared/client_auth.js:150
  [
    'basic auth without secret',
    new errors.InvalidRequest('client_secret must be provided in the Authorization header'),
    'client_auth.method_not_allowed',
  ],
  // shared/client_auth.js:264
  [
    'tls_client_auth without certificate',
    new errors.InvalidClientAuth('client certificate was not provided'),
    'client_auth.certificate_rejected',
  ],
  // shared/client_auth.js:271
  [
    'tls_client_auth with an unverified certificate',
    new errors.InvalidClientAuth('client certificate was not verified'),
    'client_auth.certificate_rejected',
  ],
  // shared/client_auth.js:287
  [
    'tls_client_auth with another workload certificate',
    new errors.InvalidClientAuth('certificate subject value does not match the registered one'),
    'client_auth.certificate_rejected',
  ],
  // shared/client_auth.js:212
  [
    'unknown client',
    new errors.InvalidClientAuth('client not found'),
    'client_auth.unknown_client',
  ],
  // shared/jwt_client_auth.js:33
  [
    'client assertion without exp (no other row claims it)',
    new errors.InvalidClientAuth('expiration must be specified in the client_assertion JWT'),
    'client_auth.failed',
  ],
  // actions/authorization/sender_constraints.js:22
  [
    'plain PKCE',
    new errors.InvalidRequest('not supported value of code_challenge_method'),
    'authorization.pkce_method_not_allowed',
  ],
  // actions/authorization/sender_constraints.js:17
  [
    'code_challenge without method',
    new errors.InvalidRequest('code_challenge_method must be provided'),
    'authorization.pkce_method_not_allowed',
  ],
  // actions/authorization/sender_constraints.js:33
  [
    'no PKCE',
    new errors.InvalidRequest(
      'Authorization Server policy requires PKCE to be used for this request',
    ),
    'authorization.pkce_required',
  ],
  // actions/authorization/process_request_object.js:17
  [
    'authorization request without PAR',
    new errors.InvalidRequest('Pushed Authorization Request must be used'),
    'authorization.par_required',
  ],
  // actions/authorization/response_parameters.js:111 (authorization endpoint)
  [
    'unregistered redirect_uri',
    new errors.InvalidRedirectUri(),
    'authorization.redirect_uri_mismatch',
  ],
  [
    'unregistered redirect_uri at PAR',
    parRedirectUriError(),
    'authorization.redirect_uri_mismatch',
  ],
  // helpers/grant_source.js:28
  [
    'replayed authorization code',
    new errors.InvalidGrant('authorization code already consumed'),
    'token.code_replayed',
  ],
  // helpers/pkce.js:24
  [
    'wrong code_verifier',
    new errors.InvalidGrant(because('code_verifier does not match code_challenge')),
    'token.pkce_verifier_mismatch',
  ],
  // helpers/pkce.js:15
  [
    'missing code_verifier',
    new errors.InvalidGrant(because('code_verifier must be provided')),
    'token.pkce_verifier_mismatch',
  ],
  // actions/grants/authorization_code.js:55
  [
    'redirect_uri other than the authorized one',
    new errors.InvalidGrant('authorization code redirect_uri mismatch'),
    'token.redirect_uri_mismatch',
  ],
  // helpers/sender_constraints.js:22
  [
    'refresh without DPoP proof',
    new errors.InvalidGrant('DPoP proof JWT not provided'),
    'token.dpop_required',
  ],
  // helpers/grant_common.js:87
  [
    'code bound to dpop_jkt redeemed without proof',
    new errors.InvalidGrant('missing DPoP proof JWT'),
    'token.dpop_required',
  ],
  // helpers/sender_constraints.js:11
  [
    'certificate-bound client without certificate',
    new errors.InvalidGrant('mutual TLS client certificate not provided'),
    'token.certificate_required',
  ],
  // helpers/validate_dpop.js:121
  [
    'DPoP proof for another method',
    new errors.InvalidDpopProof('DPoP proof htm mismatch'),
    'token.dpop_invalid',
  ],
  // Unmatched refusals fall back to the OAuth error.
  [
    'unknown scope',
    new errors.InvalidScope('requested scope is not whitelisted', 'x'),
    'oauth.invalid_scope',
  ],
  ['access denied', new errors.AccessDenied(), 'oauth.access_denied'],
  ['not an error at all', undefined, 'oauth.server_error'],
]

describe('refusalReason', () => {
  test(`the cases were read from oidc-provider ${PINNED_OIDC_PROVIDER}`, () => {
    const pkg = createRequire(import.meta.url)('oidc-provider/package.json') as { version: string }
    assert.equal(
      pkg.version,
      PINNED_OIDC_PROVIDER,
      'oidc-provider changed: re-check every error site listed in this file, then update the pin',
    )
  })

  for (const [site, err, reason] of CASES) {
    test(`${site} → ${reason}`, () => {
      assert.equal(refusalReason(err), reason)
    })
  }

  test('a reason set by our own check wins over the table', () => {
    const err = withReason(
      new errors.InvalidGrant('authorization code already consumed'),
      'token_exchange.subject_not_for_caller',
    )
    assert.equal(refusalReason(err), 'token_exchange.subject_not_for_caller')
  })

  test('the row must match the OAuth error too, not only the text', () => {
    // "already consumed" maps to token.code_replayed only as invalid_grant.
    assert.equal(
      refusalReason(new errors.InvalidRequest('authorization code already consumed')),
      'oauth.invalid_request',
    )
  })
})

/** Once misclassified by the table; kept as regression tests. */
describe('regressions', () => {
  // helpers/jwt.js:156 — a client assertion whose kid is not in the client's JWKS.
  test('client assertion with an unknown kid → client_auth.assertion_bad_signature', () => {
    const err = new errors.InvalidClientAuth({ cause: new joseErrors.JWKSNoMatchingKey() })
    assert.equal(refusalReason(err), 'client_auth.assertion_bad_signature')
  })
  // helpers/grant_common.js:69 → helpers/validate_dpop.js:46
  test('replayed DPoP proof at the token endpoint → token.dpop_invalid', () => {
    const err = new errors.InvalidGrant('DPoP proof JWT Replay detected')
    assert.equal(refusalReason(err), 'token.dpop_invalid')
  })
  // helpers/grant_common.js:96
  test('DPoP key other than the dpop_jkt the code is bound to → token.dpop_invalid', () => {
    const err = new errors.InvalidGrant('DPoP proof key thumbprint does not match dpop_jkt')
    assert.equal(refusalReason(err), 'token.dpop_invalid')
  })
  // actions/authorization/sender_constraints.js:26
  test('code_challenge_method without code_challenge → authorization.pkce_required', () => {
    const err = new errors.InvalidRequest(
      'code_challenge must be provided with code_challenge_method',
    )
    assert.equal(refusalReason(err), 'authorization.pkce_required')
  })
})
