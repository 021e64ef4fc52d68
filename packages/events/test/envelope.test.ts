import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { createLocalJWKSet, exportJWK, generateKeyPair, GeneralEncrypt, SignJWT } from 'jose'
import type { JWK } from 'jose'
import {
  createEventOpener,
  createEventSealer,
  EVENT_JWT_TYPE,
  ORDER_PLACED,
  RETAIL_AUDIENCE,
  SHIPPING_PARTNER_AUDIENCE,
  retailProjection,
  shippingPartnerProjection,
} from '../src/index.ts'
import type { BusinessEvent, NamedKey } from '../src/index.ts'
import {
  agreeKeyEncryptionKey,
  kekId,
  KEY_PERIOD_SECONDS,
  keyPeriodOf,
} from '../src/agreed-keys.ts'
import type { KekName } from '../src/agreed-keys.ts'

const ISSUER = 'spiffe://retail.mythical.example/order-fulfillment-api'

async function keyPair(alg: 'ES256' | 'ECDH-ES+A256KW', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const pub: NamedKey = { kid, alg, key: publicKey }
  const priv: NamedKey = { kid, alg, key: privateKey }
  const jwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid,
    alg,
    use: alg === 'ES256' ? 'sig' : 'enc',
  }
  return { pub, priv, jwk }
}

const signing = await keyPair('ES256', 'ofa-2026-11')
const previousSigning = await keyPair('ES256', 'ofa-2026-10')
const attackerSigning = await keyPair('ES256', 'attacker')
const customers = await keyPair('ECDH-ES+A256KW', 'customers-enc')
const payments = await keyPair('ECDH-ES+A256KW', 'payments-enc')
const recommendations = await keyPair('ECDH-ES+A256KW', 'recommendations-enc')
const shipping = await keyPair('ECDH-ES+A256KW', 'shipping-enc')
const outsider = await keyPair('ECDH-ES+A256KW', 'cardvault-enc')
const agreement = await keyPair('ECDH-ES+A256KW', 'ofa-enc-2026-11')
const previousAgreement = await keyPair('ECDH-ES+A256KW', 'ofa-enc-2026-10')
const publisherJwks = createLocalJWKSet({ keys: [signing.jwk, previousSigning.jwk] })
const publisherAgreementKeys = [agreement.pub, previousAgreement.pub]

const seal = createEventSealer({
  issuer: ISSUER,
  signingKey: signing.priv,
  agreementKey: agreement.priv,
  audiences: [
    {
      name: RETAIL_AUDIENCE,
      recipients: [customers.pub, payments.pub, recommendations.pub],
      project: retailProjection,
    },
    {
      name: SHIPPING_PARTNER_AUDIENCE,
      recipients: [shipping.pub],
      project: shippingPartnerProjection,
    },
  ],
})

const opener = (
  key: NamedKey,
  audience = RETAIL_AUDIENCE,
  maxAgeSeconds?: number,
  now?: () => number,
) =>
  createEventOpener({
    issuer: ISSUER,
    audience,
    decryptionKeys: [key],
    publisherAgreementKeys,
    verificationKeys: publisherJwks,
    types: [ORDER_PLACED],
    ...(maxAgeSeconds ? { maxAgeSeconds } : {}),
    ...(now ? { now } : {}),
  })

function orderPlaced(): BusinessEvent {
  const orderId = randomUUID()
  return {
    id: randomUUID(),
    type: ORDER_PLACED,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    data: {
      orderId,
      customer: 'katie-sub',
      version: 1,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      items: [{ sku: 'SHOE-1', quantity: 2, priceCents: 4999 }],
      totalCents: 9998,
      currency: 'EUR',
      card: { token: '4111-tok-9999', brand: 'visa', last4: '1111' },
      placedAt: new Date().toISOString(),
      deliveryAddress: { name: 'Katie', street: '1 Main St', city: 'Springfield' },
    },
  }
}

/** An envelope built by hand, to present what an attacker (or a broken publisher) would send. */
async function craft(opts: {
  plaintext?: string
  signer?: NamedKey
  kid?: string
  claims?: Record<string, unknown>
  iat?: number
  issuer?: string
  audience?: string
  jti: string
  recipients: NamedKey[]
}): Promise<Buffer> {
  const signer = opts.signer ?? signing.priv
  const plaintext =
    opts.plaintext ??
    (await new SignJWT({ event_type: ORDER_PLACED, data: { orderId: 'o-1' }, ...opts.claims })
      .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? signer.kid, typ: EVENT_JWT_TYPE })
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? RETAIL_AUDIENCE)
      .setJti(opts.jti)
      .setIssuedAt(opts.iat ?? Math.floor(Date.now() / 1000))
      .sign(signer.key))
  const jwe = new GeneralEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({
    enc: 'A256GCM',
  })
  for (const r of opts.recipients)
    jwe.addRecipient(r.key).setUnprotectedHeader({ alg: r.alg, kid: r.kid })
  return Buffer.from(JSON.stringify({ envelopes: [await jwe.encrypt()] }))
}

const rejectedWith = (reason: string) => ({
  name: 'EventRejected',
  code: 'ERR_EVENT_REJECTED',
  reason,
})

describe('event envelope: legitimate path', () => {
  test('each retail subscriber opens the whole order; the partner only its projection', async () => {
    const event = orderPlaced()
    const body = await seal(event)
    for (const key of [customers.priv, payments.priv, recommendations.priv]) {
      const opened = await opener(key)(body, event.id)
      assert.equal(opened.id, event.id)
      assert.equal(opened.type, ORDER_PLACED)
      assert.equal(opened.issuer, ISSUER)
      assert.equal(opened.traceparent, event.traceparent)
      assert.deepEqual(opened.data, event.data)
    }
    const partner = await opener(shipping.priv, SHIPPING_PARTNER_AUDIENCE)(body, event.id)
    assert.deepEqual(partner.data, {
      orderId: event.data.orderId,
      customer: event.data.customer,
      parcel: [{ sku: 'SHOE-1', quantity: 2 }],
      deliveryAddress: event.data.deliveryAddress,
    })
  })

  test('nothing of the event is readable on the wire', async () => {
    const event = orderPlaced()
    const wire = (await seal(event)).toString('utf8')
    for (const secret of ['katie-sub', '4111-tok-9999', 'SHOE-1', 'Springfield', event.id]) {
      assert.ok(!wire.includes(secret), `${secret} is visible on the wire`)
    }
    const { envelopes } = JSON.parse(wire) as { envelopes: { recipients: unknown[] }[] }
    assert.deepEqual(
      envelopes.map((e) => e.recipients.length),
      [3, 1],
    )
  })

  test('a key rotation loses nothing: a message signed with the previous key still verifies', async () => {
    const jti = randomUUID()
    const body = await craft({ jti, signer: previousSigning.priv, recipients: [customers.pub] })
    assert.equal((await opener(customers.priv)(body, jti)).id, jti)
  })
})

describe('event envelope: refusals', () => {
  test('the partner cannot open the retail projection (its key is not a recipient)', async () => {
    const event = orderPlaced()
    const body = await seal(event)
    const retailOnly = JSON.parse(body.toString('utf8'))
    retailOnly.envelopes = retailOnly.envelopes.slice(0, 1)
    await assert.rejects(
      opener(shipping.priv, SHIPPING_PARTNER_AUDIENCE)(
        Buffer.from(JSON.stringify(retailOnly)),
        event.id,
      ),
      rejectedWith('event.not_a_recipient'),
    )
    await assert.rejects(
      opener(outsider.priv)(body, event.id),
      rejectedWith('event.not_a_recipient'),
    )
  })

  test('a projection signed for another audience is refused even when encrypted to us', async () => {
    const jti = randomUUID()
    const body = await craft({
      jti,
      audience: SHIPPING_PARTNER_AUDIENCE,
      recipients: [customers.pub],
    })
    await assert.rejects(opener(customers.priv)(body, jti), rejectedWith('event.wrong_audience'))
  })

  test('unencrypted and malformed bodies', async () => {
    const plain = Buffer.from(JSON.stringify({ orderId: 'o-1', customerId: 'katie-sub' }))
    await assert.rejects(opener(customers.priv)(plain, 'x'), rejectedWith('event.unencrypted'))
    await assert.rejects(
      opener(customers.priv)(Buffer.from('not json'), 'x'),
      rejectedWith('event.malformed'),
    )
  })

  test('tampered ciphertext is undecryptable', async () => {
    const event = orderPlaced()
    const body = JSON.parse((await seal(event)).toString('utf8'))
    const ct: string = body.envelopes[0].ciphertext
    body.envelopes[0].ciphertext = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1)
    await assert.rejects(
      opener(customers.priv)(Buffer.from(JSON.stringify(body)), event.id),
      rejectedWith('event.undecryptable'),
    )
  })

  test('encrypted to us but unsigned', async () => {
    const jti = randomUUID()
    const body = await craft({
      jti,
      plaintext: JSON.stringify({ jti }),
      recipients: [customers.pub],
    })
    await assert.rejects(opener(customers.priv)(body, jti), rejectedWith('event.unsigned'))
  })

  test('signed by a key the publisher never published', async () => {
    const jti = randomUUID()
    const body = await craft({ jti, signer: attackerSigning.priv, recipients: [customers.pub] })
    await assert.rejects(opener(customers.priv)(body, jti), rejectedWith('event.unknown_key'))
  })

  test("signed by another key under the publisher's kid", async () => {
    const jti = randomUUID()
    const body = await craft({
      jti,
      signer: attackerSigning.priv,
      kid: signing.priv.kid,
      recipients: [customers.pub],
    })
    await assert.rejects(opener(customers.priv)(body, jti), rejectedWith('event.bad_signature'))
  })

  test('wrong issuer, stale, from the future, foreign message id, unknown type', async () => {
    const open = opener(customers.priv, RETAIL_AUDIENCE, 60)
    const cases: [Parameters<typeof craft>[0], string, string][] = []
    const jti = () => randomUUID()
    const a = jti()
    cases.push([
      {
        jti: a,
        issuer: 'spiffe://retail.mythical.example/customers-api',
        recipients: [customers.pub],
      },
      a,
      'event.wrong_issuer',
    ])
    const b = jti()
    cases.push([
      { jti: b, iat: Math.floor(Date.now() / 1000) - 3600, recipients: [customers.pub] },
      b,
      'event.stale',
    ])
    const c = jti()
    cases.push([
      { jti: c, iat: Math.floor(Date.now() / 1000) + 3600, recipients: [customers.pub] },
      c,
      'event.stale',
    ])
    cases.push([
      { jti: jti(), recipients: [customers.pub] },
      randomUUID(),
      'event.message_id_mismatch',
    ])
    const d = jti()
    cases.push([
      { jti: d, claims: { event_type: 'order.refunded' }, recipients: [customers.pub] },
      d,
      'event.unknown_type',
    ])
    for (const [craftOptions, messageId, reason] of cases) {
      await assert.rejects(open(await craft(craftOptions), messageId), rejectedWith(reason), reason)
    }
  })
})

describe('event envelope: key-encryption keys agreed per key period', () => {
  const DAY = KEY_PERIOD_SECONDS
  const noon = Math.floor(Date.parse('2026-11-30T12:00:00Z') / 1000)
  const sealAt = (t: number, agreementKey = agreement.priv) =>
    createEventSealer({
      issuer: ISSUER,
      signingKey: signing.priv,
      agreementKey,
      now: () => t,
      audiences: [
        {
          name: RETAIL_AUDIENCE,
          recipients: [customers.pub, payments.pub],
          project: retailProjection,
        },
      ],
    })
  const openAt = (t: number, maxAgeSeconds = 2 * DAY) =>
    opener(customers.priv, RETAIL_AUDIENCE, maxAgeSeconds, () => t)

  /** An envelope wrapped under a KEK agreed between `from` and customers-api's key, named `kid`. */
  async function wrapped(jti: string, from: NamedKey, name: KekName, kid = kekId(name)) {
    const jws = await new SignJWT({ event_type: ORDER_PLACED, data: { orderId: 'o-1' } })
      .setProtectedHeader({ alg: 'ES256', kid: signing.priv.kid, typ: EVENT_JWT_TYPE })
      .setIssuer(ISSUER)
      .setAudience(RETAIL_AUDIENCE)
      .setJti(jti)
      .setIssuedAt()
      .sign(signing.priv.key)
    const kek = await agreeKeyEncryptionKey(from, customers.pub, name, 'wrapKey')
    const jwe = new GeneralEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({
      enc: 'A256GCM',
    })
    jwe.addRecipient(kek).setUnprotectedHeader({ alg: 'A256KW', kid })
    return Buffer.from(JSON.stringify({ envelopes: [await jwe.encrypt()] }))
  }

  test('every recipient is A256KW under a KEK named by kid: no per-message ephemeral key', async () => {
    const event = orderPlaced()
    const { envelopes } = JSON.parse((await sealAt(noon)(event)).toString('utf8')) as {
      envelopes: { recipients: { header: Record<string, unknown> }[] }[]
    }
    assert.deepEqual(
      envelopes[0]?.recipients.map((r) => r.header),
      [customers, payments].map((s) => ({
        alg: 'A256KW',
        kid: `kek:2026-11-30:${agreement.pub.kid}:${s.pub.kid}`,
      })),
    )
  })

  test("a subscriber opens the current and the previous period's messages", async () => {
    const event = orderPlaced()
    const sealedYesterday = await sealAt(noon - DAY)(event)
    assert.equal((await openAt(noon)(sealedYesterday, event.id)).id, event.id)
    const sealedNow = await sealAt(noon)(event)
    assert.equal((await openAt(noon + 60)(sealedNow, event.id)).id, event.id)
  })

  test("the publisher's previous agreement key still opens while its JWKS lists it", async () => {
    const event = orderPlaced()
    const body = await sealAt(noon, previousAgreement.priv)(event)
    assert.equal((await openAt(noon)(body, event.id)).id, event.id)
  })

  test('a KEK of a period outside the freshness window is never agreed: stale', async () => {
    const event = orderPlaced()
    const body = await sealAt(noon - 3 * DAY)(event)
    await assert.rejects(openAt(noon)(body, event.id), rejectedWith('event.stale'))
    const future = await sealAt(noon + DAY)(event)
    await assert.rejects(openAt(noon)(future, event.id), rejectedWith('event.stale'))
  })

  test('a KEK agreed with a key the publisher never published: not a recipient', async () => {
    const jti = randomUUID()
    const name = {
      period: keyPeriodOf(Date.now() / 1000),
      publisherKid: outsider.priv.kid,
      subscriberKid: customers.pub.kid,
    }
    await assert.rejects(
      opener(customers.priv)(await wrapped(jti, outsider.priv, name), jti),
      rejectedWith('event.not_a_recipient'),
    )
  })

  test("another key agreed under the publisher's kid, or a kid relabelled to another period: undecryptable", async () => {
    const period = keyPeriodOf(Date.now() / 1000)
    const name = { period, publisherKid: agreement.pub.kid, subscriberKid: customers.pub.kid }
    const forged = randomUUID()
    await assert.rejects(
      opener(customers.priv)(await wrapped(forged, outsider.priv, name), forged),
      rejectedWith('event.undecryptable'),
    )
    const relabelled = randomUUID()
    const yesterday = keyPeriodOf(Date.now() / 1000 - DAY)
    const body = await wrapped(
      relabelled,
      agreement.priv,
      name,
      kekId({ ...name, period: yesterday }),
    )
    await assert.rejects(
      opener(customers.priv)(body, relabelled),
      rejectedWith('event.undecryptable'),
    )
  })

  test('the partner cannot unwrap a retail KEK recipient relabelled with its own key', async () => {
    const event = orderPlaced()
    const body = JSON.parse((await seal(event)).toString('utf8'))
    const retail = body.envelopes[0]
    retail.recipients[0].header.kid = retail.recipients[0].header.kid.replace(
      customers.pub.kid,
      shipping.pub.kid,
    )
    body.envelopes = [retail]
    await assert.rejects(
      opener(shipping.priv, SHIPPING_PARTNER_AUDIENCE)(Buffer.from(JSON.stringify(body)), event.id),
      rejectedWith('event.undecryptable'),
    )
  })
})

test('a key id that cannot name a KEK is refused when the sealer is built', () => {
  const bad = { ...customers.pub, kid: 'a:b' }
  assert.throws(
    () =>
      createEventSealer({
        issuer: ISSUER,
        signingKey: signing.priv,
        agreementKey: agreement.priv,
        audiences: [{ name: RETAIL_AUDIENCE, recipients: [bad], project: retailProjection }],
      }),
    { name: 'TypeError' },
  )
})
