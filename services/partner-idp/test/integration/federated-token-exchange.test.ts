/**
 * TB10 — retail ↔ shipping partner federation, over real HTTPS in both trust domains: a retail
 * JWKS endpoint with a retail-CA certificate, the partner IdP with its shipping-CA certificate.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify } from 'jose'
import type { AuditRecord } from '@mythical/audit'
import { caPinnedFetch } from '@mythical/oauth'
import {
  ACCESS_TOKEN_TYPE,
  AuditCollector,
  clientAssertion,
  createFederation,
  generateTestKey,
  ORDER_TRACKING,
  PARTNER_ISSUER,
  partnerClient,
  retailToken,
  startPartner,
  TOKEN_EXCHANGE,
} from '../support/federation-fixture.ts'
import type { Federation, TestKey } from '../support/federation-fixture.ts'
import { assertDecision } from '../support/audit-trail.ts'
import { freePort, newTrace, type Trace } from '@mythical/testing'

let federation: Federation
let audit: AuditCollector
let origin: string
let client: ReturnType<typeof partnerClient>
let stopPartner: (() => Promise<void>) | undefined

before(async () => {
  federation = await createFederation()
  audit = new AuditCollector()
  const { idp } = await startPartner(federation.env, audit)
  origin = idp.origin
  stopPartner = () => idp.close()
  client = partnerClient(federation.shippingCa.certPem)
})

// Each step only if set up, so a failed start ends the run instead of leaving servers open.
after(async () => {
  await (client as typeof client | undefined)?.close()
  await stopPartner?.()
  await (federation as Federation | undefined)?.cleanup()
})

/** A token-endpoint response with the trace its request carried and the values it sent. */
interface Exchanged {
  status: number
  body: Record<string, unknown>
  trace: Trace
  /** Subject token and client assertion: they must never reach an audit record. */
  sent: string[]
}

/**
 * Exchanges `subjectToken` as the `web` client under a fresh trace; extra form fields override
 * the defaults.
 */
async function exchange(
  subjectToken: string,
  form: Record<string, string> = {},
  assertion?: string,
  target = origin,
): Promise<Exchanged> {
  const trace = newTrace()
  const clientAssertionValue = assertion ?? (await clientAssertion(federation.webKey))
  const response = await client.postForm(
    `${target}/token`,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: ORDER_TRACKING,
      scope: 'tracking:read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertionValue,
      ...form,
    },
    trace.headers,
  )
  return { ...response, trace, sent: [subjectToken, clientAssertionValue] }
}

/** Verifies a partner access token against the partner's published JWKS (shipping CA TLS). */
async function verifyPartnerToken(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${origin}/jwks`), {
    [customFetch]: caPinnedFetch(federation.shippingCa.certPem),
  })
  return jwtVerify(token, jwks, {
    issuer: PARTNER_ISSUER,
    audience: ORDER_TRACKING,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  })
}

/** The request was refused with `status`/`error`, and audited as `reason` on its own trace. */
function assertRefused(
  response: Exchanged,
  status: number,
  error: string,
  reason: string,
  records: readonly AuditRecord[] = audit.records,
) {
  assert.equal(response.status, status, JSON.stringify(response.body))
  assert.equal(response.body.error, error)
  assert.equal(response.body.access_token, undefined)
  return assertDecision(records, response.trace, {
    decision: 'deny',
    reason,
    secrets: response.sent,
  })
}

describe('discovery', () => {
  test('advertises the token-exchange grant, private_key_jwt only, and a public-only JWKS', async () => {
    const { status, body } = await client.getJson(`${origin}/.well-known/openid-configuration`)
    assert.equal(status, 200)
    assert.equal(body.issuer, PARTNER_ISSUER)
    assert.deepEqual(body.grant_types_supported, [TOKEN_EXCHANGE])
    assert.deepEqual(body.response_types_supported, [])
    assert.deepEqual(body.token_endpoint_auth_methods_supported, ['private_key_jwt'])
    assert.ok(!(body.token_endpoint_auth_signing_alg_values_supported as string[]).includes('none'))

    const jwks = await client.getJson(`${origin}/jwks`)
    const keys = jwks.body.keys as Record<string, unknown>[]
    assert.equal(keys.length, 1)
    assert.equal(keys[0]?.kid, 'partner-idp-1')
    assert.equal(keys[0]?.alg, 'ES256')
    assert.ok(
      keys.every((key) => !('d' in key)),
      'no private key material published',
    )
  })
})

describe('valid retail token', () => {
  test('is exchanged for a partner token with a pairwise subject, order-tracking audience and tracking:read', async () => {
    const response = await exchange(await retailToken(federation.retailKey, { sub: 'katie' }))
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.equal(response.body.issued_token_type, ACCESS_TOKEN_TYPE)
    assert.equal(response.body.token_type, 'Bearer')
    assert.equal(response.body.scope, 'tracking:read')
    assert.ok((response.body.expires_in as number) <= 300)

    const { payload, protectedHeader } = await verifyPartnerToken(
      response.body.access_token as string,
    )
    assert.equal(protectedHeader.kid, 'partner-idp-1')
    assert.equal(payload.scope, 'tracking:read')
    assert.equal(payload.client_id, 'web')
    assert.ok(typeof payload.sub === 'string' && payload.sub.length >= 43)
    assert.notEqual(payload.sub, 'katie')
    assert.ok(
      !JSON.stringify(payload).includes('katie'),
      'retail sub never reaches the partner token',
    )
    assert.ok((payload.exp as number) - (payload.iat as number) <= 300)

    const record = assertDecision(audit.records, response.trace, {
      decision: 'allow',
      reason: 'federation.exchanged',
      secrets: [...response.sent, response.body.access_token as string, 'katie'],
    })
    assert.equal(record.subject, payload.sub)
  })

  test('the pairwise subject is stable for a user and differs between users', async () => {
    const subOf = async (sub: string) => {
      const response = await exchange(await retailToken(federation.retailKey, { sub }))
      assert.equal(response.status, 200, JSON.stringify(response.body))
      return decodeJwt(response.body.access_token as string).sub
    }
    const katie1 = await subOf('katie')
    const katie2 = await subOf('katie')
    const bob = await subOf('bob')
    assert.equal(katie1, katie2)
    assert.notEqual(katie1, bob)
    assert.notEqual(bob, 'bob')
  })

  test('scope and resource default to tracking:read at order-tracking-api', async () => {
    const response = await exchange(await retailToken(federation.retailKey), {
      scope: '',
      resource: '',
    })
    assert.equal(response.status, 200, JSON.stringify(response.body))
    const { payload } = await verifyPartnerToken(response.body.access_token as string)
    assert.equal(payload.scope, 'tracking:read')
  })
})

describe('subject token refusals', () => {
  test('token from an untrusted issuer (own key, own iss)', async () => {
    const attacker = await generateTestKey('attacker-1')
    const token = await retailToken(attacker, { iss: 'https://idp.evil.example' })
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.untrusted_issuer')
  })

  test('token claiming the retail issuer but signed with another key', async () => {
    const attacker = await generateTestKey('attacker-1')
    assertRefused(
      await exchange(await retailToken(attacker)),
      400,
      'invalid_grant',
      'federation.bad_signature',
    )
  })

  test('token signed with another key under the retail kid', async () => {
    const attacker = await generateTestKey(federation.retailKey.kid)
    assertRefused(
      await exchange(await retailToken(attacker)),
      400,
      'invalid_grant',
      'federation.bad_signature',
    )
  })

  test('token whose audience is not the partner', async () => {
    const token = await retailToken(federation.retailKey, { aud: 'https://localhost:4000' })
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.audience_mismatch')
  })

  test('expired token', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await retailToken(federation.retailKey, { iat: now - 600, exp: now - 120 })
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.expired')
  })

  test('token not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await retailToken(federation.retailKey, { nbf: now + 600 })
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.not_yet_valid')
  })

  test('replayed token (same jti) is refused the second time', async () => {
    const token = await retailToken(federation.retailKey)
    const first = await exchange(token)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.replayed')
  })

  test('a fresh token with a jti already used is refused', async () => {
    const jti = crypto.randomUUID()
    const first = await exchange(await retailToken(federation.retailKey, { jti }))
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const again = await retailToken(federation.retailKey, { jti, sub: 'bob' })
    assertRefused(await exchange(again), 400, 'invalid_grant', 'federation.replayed')
  })

  test('alg none (unsigned token)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const body = Buffer.from(
      JSON.stringify({
        iss: 'https://localhost:4000',
        aud: PARTNER_ISSUER,
        sub: 'katie',
        jti: crypto.randomUUID(),
        iat: now,
        exp: now + 60,
      }),
    ).toString('base64url')
    assertRefused(
      await exchange(`${header}.${body}.`),
      400,
      'invalid_grant',
      'federation.alg_not_allowed',
    )
  })

  test('HS256 keyed with the retail public key', async () => {
    const { SignJWT } = await import('jose')
    const publicKeyAsSecret = new TextEncoder().encode(
      JSON.stringify(federation.retailKey.publicJwk),
    )
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({
      iss: 'https://localhost:4000',
      aud: PARTNER_ISSUER,
      sub: 'katie',
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 60,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: federation.retailKey.kid })
      .sign(publicKeyAsSecret)
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.alg_not_allowed')
  })

  test('an ID-token-shaped JWT presented as an access token (typ not at+jwt)', async () => {
    const token = await retailToken(federation.retailKey, {}, { typ: 'JWT' })
    assertRefused(await exchange(token), 400, 'invalid_grant', 'federation.invalid_claims')
  })

  test('garbage instead of a JWT', async () => {
    assertRefused(await exchange('not-a-jwt'), 400, 'invalid_grant', 'federation.malformed')
  })

  test('unsupported subject_token_type', async () => {
    const token = await retailToken(federation.retailKey)
    assertRefused(
      await exchange(token, {
        subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      }),
      400,
      'invalid_request',
      'federation.unsupported_token_type',
    )
  })
})

describe('request refusals (no widening)', () => {
  test('asking for more than tracking:read', async () => {
    const token = await retailToken(federation.retailKey)
    assertRefused(
      await exchange(token, { scope: 'tracking:read tracking:write' }),
      400,
      'invalid_scope',
      'federation.scope_widening',
    )
  })

  test('a retail token that does not grant tracking:read', async () => {
    const token = await retailToken(federation.retailKey, { scope: 'openid orders:read' })
    assertRefused(await exchange(token), 400, 'invalid_scope', 'federation.scope_not_granted')
  })

  test('asking for another resource', async () => {
    const token = await retailToken(federation.retailKey)
    assertRefused(
      await exchange(token, { resource: 'https://orders-api.retail.mythical.example' }),
      400,
      'invalid_target',
      'federation.invalid_target',
    )
  })

  test('asking for another audience', async () => {
    const token = await retailToken(federation.retailKey)
    assertRefused(
      await exchange(token, { audience: 'https://shipping-api.shipping.mythical.example' }),
      400,
      'invalid_target',
      'federation.invalid_target',
    )
  })

  test('a refused request does not burn the token: it can still be exchanged correctly', async () => {
    const token = await retailToken(federation.retailKey)
    const refused = await exchange(token, { scope: 'tracking:write' })
    assert.equal(refused.status, 400)
    const accepted = await exchange(token)
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
  })

  test('actor_token (delegation) is refused', async () => {
    const token = await retailToken(federation.retailKey)
    assertRefused(
      await exchange(token, { actor_token: token, actor_token_type: ACCESS_TOKEN_TYPE }),
      400,
      'invalid_request',
      'federation.unsupported_parameter',
    )
  })
})

describe('client authentication refusals', () => {
  // Reasons are the shared `client_auth.*` codes of @mythical/service-kit's refusalReason.
  async function assertClientRefused(
    assertion: string,
    reason: string,
    extra: Record<string, string> = {},
  ) {
    const token = await retailToken(federation.retailKey)
    const response = await exchange(token, extra, assertion)
    return assertRefused(response, 401, 'invalid_client', reason)
  }

  test('assertion from an unknown client', async () => {
    const intruder: TestKey = await generateTestKey('intruder-1')
    const record = await assertClientRefused(
      await clientAssertion(intruder, 'intruder'),
      'client_auth.unknown_client',
      { client_id: 'intruder' },
    )
    assert.equal(record.client, 'intruder')
  })

  test('assertion for web signed with a key that is not web’s', async () => {
    const intruder: TestKey = await generateTestKey(federation.webKey.kid)
    await assertClientRefused(
      await clientAssertion(intruder),
      'client_auth.assertion_bad_signature',
    )
  })

  // FAPI 2.0 §5.3.2.1: the assertion's audience is the issuer identifier, as a single string.
  test('assertion whose aud is the token endpoint, not the issuer', async () => {
    await assertClientRefused(
      await clientAssertion(federation.webKey, 'web', { aud: `${origin}/token` }),
      'client_auth.assertion_wrong_audience',
    )
  })

  test('assertion whose aud is an array with a foreign value', async () => {
    await assertClientRefused(
      await clientAssertion(federation.webKey, 'web', {
        aud: [PARTNER_ISSUER, 'https://evil.example'],
      }),
      'client_auth.assertion_wrong_audience',
    )
  })

  test('assertion replayed (same jti)', async () => {
    const assertion = await clientAssertion(federation.webKey)
    const first = await exchange(await retailToken(federation.retailKey), {}, assertion)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    await assertClientRefused(assertion, 'client_auth.assertion_replayed')
  })

  test('client secret instead of an assertion', async () => {
    const token = await retailToken(federation.retailKey)
    const trace = newTrace()
    const secret = 'guessed-secret'
    const response = await client.postForm(
      `${origin}/token`,
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: token,
        subject_token_type: ACCESS_TOKEN_TYPE,
        client_id: 'web',
        client_secret: secret,
      },
      trace.headers,
    )
    assertRefused(
      { ...response, trace, sent: [token, secret] },
      401,
      'invalid_client',
      'client_auth.method_not_allowed',
    )
  })
})

describe('retail JWKS unreachable', () => {
  test('fails closed when the retail JWKS endpoint is down', async () => {
    const down = new AuditCollector()
    // A port that was just free: nothing listens there.
    const closed = await freePort()
    const { idp } = await startPartner(
      { ...federation.env, IDP_URL: `https://localhost:${closed}` },
      down,
    )
    try {
      const response = await exchange(
        await retailToken(federation.retailKey),
        {},
        undefined,
        idp.origin,
      )
      assertRefused(response, 400, 'invalid_grant', 'federation.jwks_unavailable', down.records)
      assert.equal((await client.getJson(`${idp.origin}/readyz`)).status, 503, 'not ready')
    } finally {
      await idp.close()
    }
  })

  test('fails closed when the JWKS endpoint’s certificate is not from the retail CA', async () => {
    const { createCertificateAuthority, issueWorkloadCertificate } = await import('@mythical/pki')
    const { startJwksServer } = await import('../support/federation-fixture.ts')
    const rogueCa = await createCertificateAuthority({ name: 'Rogue CA' })
    const rogueTls = await issueWorkloadCertificate(rogueCa, {
      spiffeId: 'spiffe://retail.mythical.example/idp',
    })
    // Same keys, right path — only the TLS trust anchor is wrong.
    const rogue = await startJwksServer(rogueTls, [federation.retailKey.publicJwk])
    const misled = new AuditCollector()
    const { idp } = await startPartner({ ...federation.env, IDP_URL: rogue.url }, misled)
    try {
      const response = await exchange(
        await retailToken(federation.retailKey),
        {},
        undefined,
        idp.origin,
      )
      assertRefused(response, 400, 'invalid_grant', 'federation.jwks_unavailable', misled.records)
    } finally {
      await idp.close()
      await rogue.close()
    }
  })
})

test('/readyz answers from the cached retail key set: twenty probes, at most one JWKS fetch', async () => {
  // The probe is unauthenticated: a fetch per call would let anyone drive outbound requests.
  const before = federation.jwks.hits()
  for (let i = 0; i < 20; i++) {
    assert.equal((await client.getJson(`${origin}/readyz`)).status, 200)
  }
  assert.ok(federation.jwks.hits() - before <= 1, `${federation.jwks.hits() - before} fetches`)
})
