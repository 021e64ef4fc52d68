/**
 * TB10 end to end, with both real IdPs: the retail IdP (its own process from its entry point, the
 * stack's PostgreSQL, its stack certificate and keys — `startIdpProcess`) signs Katie in and,
 * by token exchange as the `web` client, issues her token for the partner; the partner IdP
 * (configured with the retail IdP's real issuer and JWKS URL over TLS anchored in the retail CA,
 * its own stack secrets) exchanges it for a partner token. Nothing is faked on either side.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify } from 'jose'
import { loadPairwiseKey, pairwiseSubject } from '@mythical/service-kit'
// The retail IdP as a process (never its source or its tests), the real sign-in pages and clients.
import {
  redeemCode,
  signIn,
  type TokenSet,
  request,
  clientAssertion,
  clientAuth,
  dpopKey,
  requireStack,
  paths,
  newTrace,
  type Trace,
  startIdpProcess,
  type IdpProcess,
} from '@mythical/testing'
import { caPinnedFetch } from '@mythical/oauth'
import type { RunningPartnerIdp } from '../../src/server.ts'
import { assertDecision } from '../support/audit-trail.ts'
import {
  ACCESS_TOKEN_TYPE,
  AuditCollector,
  ORDER_TRACKING,
  PARTNER_ISSUER,
  partnerClient,
  startPartner,
  TOKEN_EXCHANGE,
} from '../support/federation-fixture.ts'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const MY_SHOPPING_API = 'https://my-shopping-api.retail.mythical.example'

let retail: IdpProcess
let partner: RunningPartnerIdp | undefined
let partnerAudit: AuditCollector
let client: ReturnType<typeof partnerClient>
/** Katie's opaque gateway token, as the web BFF holds it after signing in. */
let katieGatewayToken: string
/** The DPoP key Katie's gateway token is bound to (as web holds it). */
let katieDpop: Awaited<ReturnType<typeof dpopKey>>

before(async () => {
  requireStack()
  retail = await startIdpProcess()
  partnerAudit = new AuditCollector()
  ;({ idp: partner } = await startPartner(
    {
      SERVICE_NAME: 'partner-idp',
      HOST: '127.0.0.1',
      PORT: '5000',
      SECRETS_DIR: paths.secrets('partner-idp'),
      PKI_DIR: paths.pki,
      LOG_LEVEL: 'silent',
      PARTNER_IDP_ISSUER: PARTNER_ISSUER,
      IDP_ISSUER: retail.issuer,
      IDP_URL: retail.issuer,
    },
    partnerAudit,
  ))
  client = partnerClient(readFileSync(paths.caCert('shipping'), 'utf8'))
  const signedIn = await signIn(retail.issuer, {
    username: 'katie',
    password: 'katie-loves-shopping',
  })
  katieDpop = await dpopKey()
  const tokens = await redeemCode(retail.issuer, signedIn, {}, katieDpop)
  assert.equal(tokens.status, 200, tokens.text)
  katieGatewayToken = tokens.json<TokenSet>().access_token
})

// Each step only if set up, so a failed start ends the run instead of leaving servers open.
after(async () => {
  await (client as typeof client | undefined)?.close()
  await partner?.close()
  await (retail as IdpProcess | undefined)?.stop()
})

/** What the web BFF does first: exchange Katie's token at the retail IdP for the partner. */
async function retailTokenForPartner(trace: Trace): Promise<string> {
  // web's tokens are DPoP-bound, and so is what it exchanges them for: it proves Katie's key.
  const res = await request(`${retail.issuer}/token`, {
    headers: { ...trace.headers, dpop: await katieDpop.proof('POST', `${retail.issuer}/token`) },
    form: {
      ...(await clientAuth('web', retail.issuer)),
      grant_type: TOKEN_EXCHANGE,
      subject_token: katieGatewayToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: PARTNER_ISSUER,
      scope: 'tracking:read',
    },
  })
  assert.equal(res.status, 200, res.text)
  return res.json<TokenSet>().access_token
}

/** Then: exchange the retail token at the partner IdP, authenticated as web (private_key_jwt). */
async function exchangeAtPartner(subjectToken: string, trace: Trace) {
  const origin = partner?.origin ?? assert.fail('partner IdP not started')
  return client.postForm(
    `${origin}/token`,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: ORDER_TRACKING,
      scope: 'tracking:read',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion('web', PARTNER_ISSUER),
    },
    trace.headers,
  )
}

/** Verifies a partner token against the partner's published JWKS (TLS anchored in the shipping CA). */
function verifyPartnerToken(token: string) {
  const origin = partner?.origin ?? assert.fail('partner IdP not started')
  const jwks = createRemoteJWKSet(new URL(`${origin}/jwks`), {
    [customFetch]: caPinnedFetch(readFileSync(paths.caCert('shipping'), 'utf8')),
  })
  return jwtVerify(token, jwks, {
    issuer: PARTNER_ISSUER,
    audience: ORDER_TRACKING,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  })
}

describe('retail IdP → partner IdP federation', () => {
  test('Katie’s retail token becomes a partner token with a pairwise sub for order-tracking-api', async () => {
    // One trace across both IdPs, as the web BFF would propagate it: both records line up.
    const trace = newTrace()
    const retailToken = await retailTokenForPartner(trace)
    const retailClaims = decodeJwt(retailToken)
    assert.equal(retailClaims.iss, retail.issuer)
    assert.equal(retailClaims.aud, PARTNER_ISSUER)
    assert.equal(retailClaims.sub, 'katie')
    // The retail IdP's audit line arrives through its stdout, just after its response.
    const retailRecord = await retail.untilAudited(
      (r) => r.traceId === trace.traceId && r.reason === 'token_exchange.issued',
    )
    assert.equal(retailRecord.length, 1, 'the retail IdP audited the exchange on this trace')
    assert.equal(retailRecord[0]?.boundary, 'TB10')

    const res = await exchangeAtPartner(retailToken, trace)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.issued_token_type, ACCESS_TOKEN_TYPE)
    assert.equal(res.body.scope, 'tracking:read')
    const partnerToken = res.body.access_token as string
    const { payload } = await verifyPartnerToken(partnerToken)
    assert.equal(payload.scope, 'tracking:read')
    assert.equal(payload.client_id, 'web')
    // Pairwise: derived from the partner's pairwise key, the retail issuer and Katie's retail sub.
    const expectedSub = pairwiseSubject(
      loadPairwiseKey(paths.secrets('partner-idp')),
      retail.issuer,
      'katie',
    )
    assert.equal(payload.sub, expectedSub)
    assert.ok(
      !JSON.stringify(payload).includes('katie'),
      'the retail sub never reaches the partner token',
    )

    const record = assertDecision(partnerAudit.records, trace, {
      decision: 'allow',
      reason: 'federation.exchanged',
      secrets: [retailToken, partnerToken, 'katie'],
    })
    assert.equal(record.subject, expectedSub)
    assert.equal(record.subjectIssuer, retail.issuer)
  })

  test('the same retail token replayed at the partner is refused', async () => {
    const retailToken = await retailTokenForPartner(newTrace())
    const first = await exchangeAtPartner(retailToken, newTrace())
    assert.equal(first.status, 200, JSON.stringify(first.body))

    const trace = newTrace()
    const replay = await exchangeAtPartner(retailToken, trace)
    assert.equal(replay.status, 400, JSON.stringify(replay.body))
    assert.equal(replay.body.error, 'invalid_grant')
    assert.equal(replay.body.access_token, undefined)
    assertDecision(partnerAudit.records, trace, {
      decision: 'deny',
      reason: 'federation.replayed',
      secrets: [retailToken, 'katie'],
    })
  })

  test('Katie’s gateway token (opaque, for the gateway resource) is refused at the partner', async () => {
    const trace = newTrace()
    const res = await exchangeAtPartner(katieGatewayToken, trace)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.error, 'invalid_grant')
    assert.equal(res.body.access_token, undefined)
    assertDecision(partnerAudit.records, trace, {
      decision: 'deny',
      reason: 'federation.malformed',
      secrets: [katieGatewayToken],
    })
  })

  test('a genuine retail JWT for another audience (my-shopping-api) is refused at the partner', async () => {
    // The gateway's exchange along the retail call graph: signed by the retail IdP's real key.
    const hop = await request(`${retail.mtlsUrl}/token`, {
      as: 'gateway',
      form: {
        client_id: 'gateway',
        grant_type: TOKEN_EXCHANGE,
        subject_token: katieGatewayToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource: MY_SHOPPING_API,
        scope: 'orders:read',
      },
    })
    assert.equal(hop.status, 200, hop.text)
    const internalToken = hop.json<TokenSet>().access_token
    assert.equal(decodeJwt(internalToken).iss, retail.issuer)

    const trace = newTrace()
    const res = await exchangeAtPartner(internalToken, trace)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.error, 'invalid_grant')
    assert.equal(res.body.access_token, undefined)
    assertDecision(partnerAudit.records, trace, {
      decision: 'deny',
      reason: 'federation.audience_mismatch',
      secrets: [internalToken, 'katie'],
    })
  })
})
