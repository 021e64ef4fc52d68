/**
 * Crypto-only ceiling of the `order.placed` envelope (@mythical/events) on this machine: seal
 * (two ES256 signatures, JWE General JSON with 3 + 1 ECDH-ES+A256KW recipients) and open by one
 * subscriber (recipient picked by `kid`, decrypt, verify), beside the same event as plain JSON.
 * Keys are imported once, as in the services. Broker and database time are not included.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
import {
  createEventOpener,
  createEventSealer,
  ORDER_PLACED,
  RETAIL_AUDIENCE,
  retailProjection,
  SHIPPING_PARTNER_AUDIENCE,
  shippingPartnerProjection,
} from '../../src/index.ts'
import type { BusinessEvent, NamedKey } from '../../src/index.ts'

const EVENTS = 400
const ISSUER = 'spiffe://retail.mythical.example/order-fulfillment-api'

async function pair(alg: 'ES256' | 'ECDH-ES+A256KW', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: alg === 'ES256' ? 'sig' : 'enc' }
  return {
    pub: { kid, alg, key: publicKey } as NamedKey,
    priv: { kid, alg, key: privateKey } as NamedKey,
    jwk,
  }
}

/** Runs the envelope benchmark and prints its figures. */
export async function benchEnvelope(): Promise<void> {
  const signing = await pair('ES256', 'ofa')
  const subscribers = await Promise.all(
    ['customers', 'payments', 'recommendations', 'shipping'].map((n) => pair('ECDH-ES+A256KW', n)),
  )
  const [customers, payments, recommendations, shipping] = subscribers as [
    typeof signing,
    typeof signing,
    typeof signing,
    typeof signing,
  ]
  const seal = createEventSealer({
    issuer: ISSUER,
    signingKey: signing.priv,
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
  const open = createEventOpener({
    issuer: ISSUER,
    audience: RETAIL_AUDIENCE,
    decryptionKeys: [customers.priv],
    verificationKeys: createLocalJWKSet({ keys: [signing.jwk] }),
    types: [ORDER_PLACED],
  })

  const event = (): BusinessEvent => ({
    id: randomUUID(),
    type: ORDER_PLACED,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    data: {
      version: 1,
      orderId: randomUUID(),
      customer: 'katie',
      items: [{ sku: 'SHOE-1', quantity: 2, priceCents: 4999 }],
      totalCents: 9998,
      currency: 'EUR',
      card: { token: 'tok_visa_9f8e7d', brand: 'visa', last4: '1111' },
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      placedAt: new Date().toISOString(),
    },
  })

  async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const start = performance.now()
    const result = await fn()
    return [result, performance.now() - start]
  }

  // Warm-up: JIT and WebCrypto first calls.
  for (let i = 0; i < 30; i++) {
    const e = event()
    await open(await seal(e), e.id)
  }
  const events = Array.from({ length: EVENTS }, event)
  const [bodies, sealMs] = await timed(async () => {
    const out: Buffer[] = []
    for (const e of events) out.push(await seal(e))
    return out
  })
  const [, openMs] = await timed(async () => {
    for (let i = 0; i < EVENTS; i++)
      await open(bodies[i] as Buffer, (events[i] as BusinessEvent).id)
  })
  const [plain, plainSealMs] = await timed(async () =>
    events.map((e) => Buffer.from(JSON.stringify(e))),
  )
  const [, plainOpenMs] = await timed(async () =>
    plain.map((b) => JSON.parse(b.toString('utf8')) as unknown),
  )

  const perEvent = (ms: number) => ms / EVENTS
  const seal1 = perEvent(sealMs)
  const open1 = perEvent(openMs)
  console.log(`events: ${EVENTS}, body ${bodies[0]?.length} bytes (plain ${plain[0]?.length})`)
  console.log(
    `seal (2 signatures, 4 recipients): ${seal1.toFixed(2)} ms/event, ${(1000 / seal1).toFixed(0)}/s`,
  )
  console.log(
    `open (one subscriber, by kid):     ${open1.toFixed(2)} ms/event, ${(1000 / open1).toFixed(0)}/s`,
  )
  console.log(
    `plain JSON serialize / parse:      ${(perEvent(plainSealMs) * 1000).toFixed(1)} / ${(perEvent(plainOpenMs) * 1000).toFixed(1)} µs/event`,
  )
  // One core's worth of crypto per event for the publisher and all four subscribers.
  const ceiling = 1000 / (seal1 + 4 * open1)
  console.log(
    `crypto-only ceiling, publisher + 4 subscribers on one core: ${ceiling.toFixed(0)} events/s (×2 cores ≈ ${(2 * ceiling).toFixed(0)}/s)`,
  )
}
