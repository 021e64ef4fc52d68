import assert from 'node:assert/strict'
import { test } from 'node:test'
import { errors } from 'oidc-provider'
import { refusalReason, withReason } from '../../src/oidc-refusal-reasons.ts'

test('oidc-provider refusals map to stable reasons', () => {
  const cases: [unknown, string][] = [
    [
      new errors.InvalidClientAuth('client assertion tokens must only be used once'),
      'client_auth.assertion_replayed',
    ],
    [new errors.InvalidGrant('authorization code already consumed'), 'token.code_replayed'],
    [
      new errors.InvalidRequest(
        'Authorization Server policy requires PKCE to be used for this request',
      ),
      'authorization.pkce_required',
    ],
    [
      new errors.InvalidRequest(
        "redirect_uri did not match any of the client's registered redirect_uris",
      ),
      'authorization.redirect_uri_mismatch',
    ],
    [new errors.InvalidScope('unknown', 'x'), 'oauth.invalid_scope'],
    [undefined, 'oauth.server_error'],
  ]
  for (const [err, reason] of cases) assert.equal(refusalReason(err), reason)
})

test('a reason set by our own check wins', () => {
  const err = withReason(new errors.InvalidTarget('nope'), 'token_exchange.audience_not_allowed')
  assert.equal(refusalReason(err), 'token_exchange.audience_not_allowed')
})
