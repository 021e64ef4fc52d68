/**
 * TB10 — retail ↔ shipping partner (federation), through the running stack. Katie places an order
 * at the gateway; order-fulfillment-api's outbox publishes `order.placed`; shipping-api opens its
 * own projection from its own queue and files a parcel under Katie's *pairwise* subject. Her
 * retail token, exchanged at the retail IdP and again at partner-idp (as web does it), becomes a
 * partner token that reads her parcel at https://localhost:5443. Refused, each with status,
 * problem `code` and order-tracking-api's audit reason: her retail token itself, a token of an
 * issuer the partner never trusted, an expired partner token, one without `tracking:read`, and
 * Bob's partner token on Katie's order (404: for Bob it does not exist). partner-idp's mTLS alias
 * admits the web alone of retail's workloads: another one is turned away and audited by its id.
 */
import { readFileSync } from 'node:fs'
import { decodeJwt } from 'jose'
import { workloadId } from '@mythical/stack'
import { loadPairwiseKey, pairwiseSubject } from '@mythical/service-kit'
import { federateToPartner, paths, retailTokenForPartner } from '@mythical/testing'
import { auditRecordsOf } from '../support/audit-log.ts'
import { launchTrustingBrowser } from '../support/browser-trust.ts'
import { expect, test } from '../support/fixtures.ts'
import {
  expectTrackingRefusal,
  parcelsOnceShipped,
  partnerSignedToken,
  placeOrder,
  trackParcels,
  untrustedIssuerToken,
} from '../support/partner.ts'
import { WEB, personaContext } from '../support/personas.ts'
import { IDP_ISSUER, signInShopper } from '../support/shopper.ts'
import { auditedHandshake, tryHandshake } from '../support/tls-handshake.ts'

/** Katie as the partner knows her: what partner-idp and shipping-api both derive. */
const katiePairwise = () =>
  pairwiseSubject(loadPairwiseKey(paths.secrets('partner-idp')), IDP_ISSUER, 'katie')

test.describe('TB10 retail ↔ shipping partner', () => {
  // The refusals are about Katie's real order: without it (first test failed) they would prove less.
  test.describe.configure({ mode: 'serial' })
  let katiesOrder = ''

  test('Katie’s order becomes a parcel she tracks with her partner token, under her pairwise subject', async ({
    edge,
    katie,
  }) => {
    test.setTimeout(60_000)
    katiesOrder = await placeOrder(edge, katie)
    const partnerToken = await federateToPartner(katie)
    const claims = decodeJwt(partnerToken)
    expect(claims).toMatchObject({
      iss: 'https://localhost:5000',
      aud: 'https://order-tracking-api.shipping.mythical.example',
      scope: 'tracking:read',
      sub: katiePairwise(),
    })
    expect(JSON.stringify(claims)).not.toContain('katie')

    const res = await parcelsOnceShipped(katiesOrder, () => federateToPartner(katie))
    expect(res.status, res.text).toBe(200)
    const body = res.json<{ parcels: { orderId: string; status: string; events: unknown[] }[] }>()
    expect(body).toEqual({
      parcels: [
        {
          orderId: katiesOrder,
          status: 'label-created',
          events: [{ status: 'label-created', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }],
        },
      ],
    })
    const records = await auditRecordsOf(res.traceId, 'order-tracking-api')
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      decision: 'allow',
      reason: 'access.granted',
      boundary: 'TB10',
      subject: katiePairwise(),
      scope: 'tracking:read',
      client: 'web',
    })
  })

  test('Katie’s retail token is refused at the partner API', async ({ katie }) => {
    // Her gateway token, and even the retail JWT minted for the partner IdP: neither is a partner token.
    const retailJwt = await retailTokenForPartner(katie)
    for (const token of [katie.accessToken, retailJwt]) {
      const reason = token === retailJwt ? 'token.retail_issuer' : 'token.malformed'
      await expectTrackingRefusal(await trackParcels(katiesOrder, token), {
        status: 401,
        code: 'ZT_ERR_TOKEN_INVALID',
        reason,
        secrets: [token],
      })
    }
  })

  test('a token from an issuer the partner does not trust is refused', async () => {
    const forged = await untrustedIssuerToken(katiePairwise())
    await expectTrackingRefusal(await trackParcels(katiesOrder, forged), {
      status: 401,
      code: 'ZT_ERR_TOKEN_INVALID',
      reason: 'token.issuer',
      secrets: [forged],
    })
  })

  test('an expired partner token and one without tracking:read are refused', async () => {
    const now = Math.floor(Date.now() / 1000)
    const expired = await partnerSignedToken(katiePairwise(), { iat: now - 900, exp: now - 600 })
    await expectTrackingRefusal(await trackParcels(katiesOrder, expired), {
      status: 401,
      code: 'ZT_ERR_TOKEN_INVALID',
      reason: 'token.expired',
      secrets: [expired],
    })
    const unscoped = await partnerSignedToken(katiePairwise(), { scope: 'openid' })
    await expectTrackingRefusal(await trackParcels(katiesOrder, unscoped), {
      status: 403,
      code: 'ZT_ERR_INSUFFICIENT_SCOPE',
      reason: 'scope.insufficient',
      secrets: [unscoped],
    })
  })

  test('no token at all is refused', async () => {
    await expectTrackingRefusal(await trackParcels(katiesOrder, undefined), {
      status: 401,
      code: 'ZT_ERR_TOKEN_MISSING',
      reason: 'token.missing',
    })
  })

  test('Bob’s partner token on Katie’s order: 404, as if it did not exist', async () => {
    test.setTimeout(60_000)
    const bob = await signInShopper('bob')
    const bobsToken = await federateToPartner(bob)
    expect(decodeJwt(bobsToken).sub).not.toBe(katiePairwise())
    const record = await expectTrackingRefusal(await trackParcels(katiesOrder, bobsToken), {
      status: 404,
      code: 'ZT_ERR_PARCEL_NOT_FOUND',
      reason: 'parcel.not_found',
      secrets: [bobsToken],
    })
    expect(record.subject).toBe(decodeJwt(bobsToken).sub)
  })

  test('in the browser: Katie’s order page shows the parcel (the BFF federates); Bob’s session gets 404', async () => {
    test.setTimeout(90_000)
    const browser = await launchTrustingBrowser()
    try {
      const katie = await personaContext(browser, 'katie')
      const page = await katie.newPage()
      const tracked = page.waitForResponse((r) =>
        r.url().endsWith(`/api/orders/${katiesOrder}/tracking`),
      )
      await page.goto(`${WEB}/orders/${katiesOrder}`)
      const answer = await tracked
      expect(answer.status()).toBe(200)
      // The page received the parcel, never the partner token that fetched it.
      const body = await answer.text()
      expect(body).toContain('label-created')
      expect(body).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./)
      await expect(page.getByTestId('tracking-state').first()).toContainText(/Parcel status/)
      await katie.close()

      const bob = await personaContext(browser, 'bob')
      const refused = await bob.request.get(`${WEB}/api/orders/${katiesOrder}/tracking`)
      expect(refused.status()).toBe(404)
      await bob.close()
    } finally {
      await browser.close()
    }
  })

  test('a retail workload other than the web at partner-idp’s mTLS alias: turned away, audited by its id', async () => {
    const shippingCa = readFileSync(paths.caCert('shipping'), 'utf8')
    const { outcome, records } = await auditedHandshake(
      'partner-idp',
      'mtls.peer_not_admitted',
      () => tryHandshake('https://127.0.0.1:5001', shippingCa, paths.secrets('gateway')),
    )
    expect(outcome.answered).toBe(false)
    expect(records.map((r) => [r.decision, r.caller])).toEqual([
      ['deny', workloadId('retail', 'gateway')],
    ])
  })
})
