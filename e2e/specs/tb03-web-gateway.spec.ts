/**
 * TB03 — web ↔ gateway (phantom token, DPoP). Against the running stack: Katie signs in for real
 * at the retail IdP as client `web`, and her opaque, DPoP-bound token is the only thing the
 * gateway accepts. Every refusal is asserted three ways: status, problem `code`, and the
 * gateway's audit record of that very request (by the problem's `traceId`) with its reason.
 */
import { callWithDpop, expectRefusal, htuOf, proofFor } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import {
  hs256WithIdpPublicKey,
  signedByUnknownKey,
  unsigned,
  withKeyHeader,
} from '../support/forged-tokens.ts'
import { auditRecordsOf } from '../support/audit-log.ts'
import { expireAtIdp } from '../support/idp-store.ts'
import { withServiceStopped } from '../support/service-outage.ts'
import { newDpopKey, revokeAccessToken, signInShopper } from '../support/shopper.ts'

const PRODUCTS = '/shopping/products'
const INVALID_TOKEN = { status: 401, code: 'ZT_ERR_TOKEN_INVALID' } as const
const INVALID_PROOF = { status: 401, code: 'ZT_ERR_DPOP_PROOF_INVALID' } as const

test.describe('TB03 web ↔ gateway', () => {
  test('Katie’s DPoP-bound opaque token reads the catalogue (contract: GET /shopping/products)', async ({
    request,
    katie,
  }) => {
    const response = await request.get(PRODUCTS, {
      headers: {
        authorization: `DPoP ${katie.accessToken}`,
        dpop: await proofFor({ path: PRODUCTS, session: katie }),
      },
    })
    expect(response.status(), await response.text()).toBe(200)
    const { products } = (await response.json()) as { products: Record<string, unknown>[] }
    expect(products.length).toBeGreaterThan(0)
    for (const product of products) {
      expect(Object.keys(product).sort()).toEqual(
        ['currency', 'description', 'imageUrl', 'name', 'priceCents', 'sku'].sort(),
      )
    }
  })

  test('no token at all', async ({ edge }) => {
    const response = await edge.send({ path: PRODUCTS })
    await expectRefusal(response, {
      status: 401,
      code: 'ZT_ERR_TOKEN_MISSING',
      reason: 'token.missing',
    })
    expect(response.headers['www-authenticate']).toMatch(/^DPoP/)
  })

  test('a token in the query string', async ({ edge, katie }) => {
    const response = await edge.send({
      path: `${PRODUCTS}?access_token=${katie.accessToken}`,
    })
    await expectRefusal(response, {
      status: 400,
      code: 'ZT_ERR_TOKEN_IN_QUERY',
      reason: 'token.in_query',
      secrets: [katie.accessToken],
    })
  })

  test('Bearer instead of DPoP for a DPoP-bound token', async ({ edge, katie }) => {
    const response = await callWithDpop(edge, {
      path: PRODUCTS,
      session: katie,
      scheme: 'Bearer',
      proof: null,
    })
    await expectRefusal(response, {
      status: 401,
      code: 'ZT_ERR_DPOP_REQUIRED',
      reason: 'token.bearer_not_dpop',
      secrets: [katie.accessToken],
    })
  })

  test('the token without a DPoP proof', async ({ edge, katie }) => {
    const response = await callWithDpop(edge, { path: PRODUCTS, session: katie, proof: null })
    await expectRefusal(response, {
      ...INVALID_PROOF,
      reason: 'dpop.proof_missing',
      secrets: [katie.accessToken],
    })
  })

  test('a proof signed by another key than the token is bound to', async ({ edge, katie }) => {
    const thief = await newDpopKey()
    const proof = await thief.proof('GET', htuOf(PRODUCTS), katie.accessToken)
    const response = await callWithDpop(edge, { path: PRODUCTS, session: katie, proof })
    await expectRefusal(response, {
      ...INVALID_PROOF,
      reason: 'dpop.key_mismatch',
      secrets: [katie.accessToken, proof],
    })
  })

  test('a replayed proof', async ({ edge, katie }) => {
    const proof = await proofFor({ path: PRODUCTS, session: katie })
    const first = await callWithDpop(edge, { path: PRODUCTS, session: katie, proof })
    expect(first.status, first.text).toBe(200)
    const replay = await callWithDpop(edge, { path: PRODUCTS, session: katie, proof })
    await expectRefusal(replay, {
      ...INVALID_PROOF,
      reason: 'dpop.replayed',
      secrets: [katie.accessToken, proof],
    })
  })

  test('a proof for another URL (htu)', async ({ edge, katie }) => {
    const proof = await katie.dpop.proof('GET', htuOf('/shopping/me'), katie.accessToken)
    const response = await callWithDpop(edge, { path: PRODUCTS, session: katie, proof })
    await expectRefusal(response, { ...INVALID_PROOF, reason: 'dpop.htu' })
  })

  test('a proof for another method (htm)', async ({ edge, katie }) => {
    const proof = await katie.dpop.proof('POST', htuOf(PRODUCTS), katie.accessToken)
    const response = await callWithDpop(edge, { path: PRODUCTS, session: katie, proof })
    await expectRefusal(response, { ...INVALID_PROOF, reason: 'dpop.htm' })
  })

  test('a revoked token', async ({ edge }) => {
    const signedOut = await signInShopper('katie')
    await revokeAccessToken(signedOut.accessToken)
    const response = await callWithDpop(edge, { path: PRODUCTS, session: signedOut })
    await expectRefusal(response, {
      ...INVALID_TOKEN,
      reason: 'token.inactive',
      secrets: [signedOut.accessToken],
    })
  })

  test('an expired token', async ({ edge }) => {
    const expired = await signInShopper('katie')
    await expireAtIdp(expired.accessToken)
    const response = await callWithDpop(edge, { path: PRODUCTS, session: expired })
    await expectRefusal(response, {
      ...INVALID_TOKEN,
      reason: 'token.inactive',
      secrets: [expired.accessToken],
    })
  })

  test('a token for another audience (the shipping partner’s)', async ({ edge }) => {
    const partnerToken = await signInShopper('katie', 'https://localhost:5000')
    const response = await callWithDpop(edge, { path: PRODUCTS, session: partnerToken })
    const denial = await expectRefusal(response, {
      ...INVALID_TOKEN,
      reason: 'token.inactive',
      secrets: [partnerToken.accessToken],
    })
    // The IdP refused, on the same trace, to vouch for a token minted for someone else.
    const idpRecords = await auditRecordsOf(denial.traceId, 'idp')
    expect(idpRecords.map((r) => r.decision)).toContain('deny')
    expect(idpRecords.filter((r) => r.decision === 'allow')).toEqual([])
  })

  const forgeries = {
    'a JWT signed by a key the IdP never published': signedByUnknownKey,
    'an unsigned JWT (alg: none)': unsigned,
    'an HS256 JWT keyed with the IdP’s public key': hs256WithIdpPublicKey,
    'a JWT naming its own key by jku': (s: Parameters<typeof withKeyHeader>[0]) =>
      withKeyHeader(s, 'jku'),
    'a JWT naming its own key by x5u': (s: Parameters<typeof withKeyHeader>[0]) =>
      withKeyHeader(s, 'x5u'),
    'a JWT embedding its own key (jwk header)': (s: Parameters<typeof withKeyHeader>[0]) =>
      withKeyHeader(s, 'jwk'),
  }
  for (const [title, forge] of Object.entries(forgeries)) {
    test(title, async ({ edge }) => {
      // The forger's own DPoP key, which the forged token claims to be bound to.
      const forger = { username: 'katie', accessToken: '', dpop: await newDpopKey() }
      const token = await forge(forger)
      const response = await callWithDpop(edge, { path: PRODUCTS, session: forger, token })
      await expectRefusal(response, {
        ...INVALID_TOKEN,
        reason: 'token.inactive',
        secrets: [token],
      })
    })
  }

  test('spoofed identity headers are stripped and recorded, never believed', async ({
    edge,
    katie,
  }) => {
    const response = await callWithDpop(edge, {
      path: PRODUCTS,
      session: katie,
      headers: {
        'x-user': 'bob',
        'x-subject': 'bob',
        'x-client-id': 'web-staff',
        'x-spiffe-id': 'spiffe://retail.mythical.example/gateway',
        'x-forwarded-user': 'bob',
        'x-roles': 'sales-associate',
      },
    })
    expect(response.status, response.text).toBe(200)
    const traceId = /^00-([0-9a-f]{32})-/.exec(String(response.headers.traceparent ?? ''))?.[1]
    expect(traceId, 'the gateway names the trace of its answer').toBeTruthy()
    const [allowed] = (await auditRecordsOf(traceId ?? '')).filter(
      (r) => r.reason === 'gateway.allowed',
    )
    expect(allowed?.subject).toBe('katie')
    expect(allowed?.strippedHeaders).toEqual(
      expect.arrayContaining(['x-user', 'x-subject', 'x-client-id', 'x-spiffe-id', 'x-roles']),
    )
  })

  test('IdP down: a token the gateway has not introspected yet is refused, never let through', async ({
    edge,
  }) => {
    test.setTimeout(120_000)
    // A token the gateway has never seen, so no cached introspection can answer for the IdP.
    const unseen = await signInShopper('katie')
    const response = await withServiceStopped('idp', () =>
      callWithDpop(edge, { path: PRODUCTS, session: unseen }),
    )
    await expectRefusal(response, {
      status: 503,
      code: 'ZT_ERR_DEPENDENCY_UNAVAILABLE',
      reason: 'introspection.unavailable',
      secrets: [unseen.accessToken],
    })
    // IdP back: the same token works (the outage was not cached as a verdict on the token).
    const again = await callWithDpop(edge, { path: PRODUCTS, session: unseen })
    expect(again.status, again.text).toBe(200)
  })
})
