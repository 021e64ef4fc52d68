/**
 * Crypto-only comparison of envelope schemes for one event and four recipients, with `jose` and
 * keys imported once: seal = one signature + one JWE (General JSON, A256GCM) with four recipients;
 * open = one subscriber picks its recipient by `kid`, decrypts, verifies. Figures are CPU time
 * (user + system of the process, median of interleaved rounds), so the shared machine's load
 * inflates them far less than wall time would; the ceiling is 2 cores / (seal + 4 opens).
 */
import { loadavg } from 'node:os'
import {
  exportJWK,
  flattenedDecrypt,
  GeneralEncrypt,
  generalDecrypt,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import type { CryptoKey, FlattenedJWE, GeneralJWE, JWK } from 'jose'
import { agreeKeyEncryptionKey } from '../../src/agreed-keys.ts'

const RECIPIENTS = 4
const PER_ROUND = 40
const ROUNDS = 8

type Signature = 'ES256' | 'EdDSA'
type KeyManagement = 'ephemeral P-256' | 'ephemeral X25519' | 'agreed KEK P-256'

interface Scheme {
  readonly name: string
  readonly signature: Signature
  readonly keyManagement: KeyManagement
  /** Decrypt with jose's `generalDecrypt` (tries every recipient) instead of picking by `kid`. */
  readonly tryAll?: boolean
}

export const SCHEMES: readonly Scheme[] = [
  {
    name: 'ES256 + ECDH-ES+A256KW P-256 (before)',
    signature: 'ES256',
    keyManagement: 'ephemeral P-256',
  },
  {
    name: '  same, generalDecrypt tries all',
    signature: 'ES256',
    keyManagement: 'ephemeral P-256',
    tryAll: true,
  },
  { name: 'EdDSA + ECDH-ES+A256KW X25519', signature: 'EdDSA', keyManagement: 'ephemeral X25519' },
  {
    name: 'ES256 + A256KW, agreed KEK (chosen)',
    signature: 'ES256',
    keyManagement: 'agreed KEK P-256',
  },
  { name: 'EdDSA + A256KW, agreed KEK', signature: 'EdDSA', keyManagement: 'agreed KEK P-256' },
]

interface Prepared {
  seal(jti: string): Promise<GeneralJWE>
  open(jwe: GeneralJWE): Promise<unknown>
}

async function prepare(scheme: Scheme): Promise<Prepared> {
  const signing = await generateKeyPair(scheme.signature)
  const verifyKey = await importJWK(await exportJWK(signing.publicKey), scheme.signature)
  const curve = scheme.keyManagement === 'ephemeral X25519' ? 'X25519' : 'P-256'
  const subscribers = await Promise.all(
    Array.from({ length: RECIPIENTS }, async (_, i) => {
      const pair = await generateKeyPair('ECDH-ES+A256KW', { crv: curve })
      return { kid: `sub-${i}`, ...pair }
    }),
  )
  const agreed = scheme.keyManagement === 'agreed KEK P-256'
  const publisherEcdh = await generateKeyPair('ECDH-ES+A256KW')
  const name = (kid: string) => ({ period: '2026-11-30', publisherKid: 'pub', subscriberKid: kid })
  const named = (kid: string, key: CryptoKey) => ({ kid, alg: 'ECDH-ES+A256KW', key })
  // Agreed once, as the sealer's and the opener's caches do for a key period.
  const wrapKeks = agreed
    ? await Promise.all(
        subscribers.map((s) =>
          agreeKeyEncryptionKey(
            named('pub', publisherEcdh.privateKey),
            named(s.kid, s.publicKey),
            name(s.kid),
            'wrapKey',
          ),
        ),
      )
    : []
  // The last recipient: what generalDecrypt's try-every-recipient costs at worst.
  const me = subscribers[RECIPIENTS - 1] as (typeof subscribers)[number]
  const unwrapKek = agreed
    ? await agreeKeyEncryptionKey(
        named(me.kid, me.privateKey),
        named('pub', publisherEcdh.publicKey),
        name(me.kid),
        'unwrapKey',
      )
    : undefined
  const alg = agreed ? 'A256KW' : 'ECDH-ES+A256KW'
  const claims = { event_type: 'order.placed', data: { orderId: 'o-1', totalCents: 9998 } }
  const encoder = new TextEncoder()
  return {
    async seal(jti) {
      const jws = await new SignJWT(claims)
        .setProtectedHeader({ alg: scheme.signature, typ: 'event+jwt' })
        .setJti(jti)
        .setIssuedAt()
        .sign(signing.privateKey)
      const jwe = new GeneralEncrypt(encoder.encode(jws)).setProtectedHeader({ enc: 'A256GCM' })
      subscribers.forEach((s, i) => {
        jwe.addRecipient(agreed ? (wrapKeks[i] as CryptoKey) : s.publicKey).setUnprotectedHeader({
          alg,
          kid: s.kid,
        })
      })
      return jwe.encrypt()
    },
    async open(general) {
      const key = unwrapKek ?? me.privateKey
      let plaintext: Uint8Array
      if (scheme.tryAll) {
        ;({ plaintext } = await generalDecrypt(general, key))
      } else {
        const recipient = general.recipients.find((r) => r.header?.kid === me.kid)
        const flattened: FlattenedJWE = {
          protected: general.protected,
          iv: general.iv,
          ciphertext: general.ciphertext,
          tag: general.tag,
          header: recipient?.header as JWK,
          encrypted_key: recipient?.encrypted_key,
        }
        ;({ plaintext } = await flattenedDecrypt(flattened, key, {
          keyManagementAlgorithms: [alg],
        }))
      }
      return jwtVerify(new TextDecoder().decode(plaintext), verifyKey, {
        algorithms: [scheme.signature],
      })
    },
  }
}

/** User + system CPU time of this process (WebCrypto's worker threads included), in ms. */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

export interface SchemeFigures {
  readonly scheme: string
  /** CPU ms per event. */
  readonly sealMs: number
  /** CPU ms per event and subscriber. */
  readonly openMs: number
  /** Events/s on 2 cores when one event costs one seal and four opens of CPU. */
  readonly ceilingPerSecond: number
}

/** Runs the comparison and prints a table; returns the figures. */
export async function benchSchemes(): Promise<SchemeFigures[]> {
  const prepared = await Promise.all(SCHEMES.map(prepare))
  const seals = SCHEMES.map(() => [] as number[])
  const opens = SCHEMES.map(() => [] as number[])
  for (const p of prepared) for (let i = 0; i < 20; i++) await p.open(await p.seal(`warm-${i}`))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, p] of prepared.entries()) {
      const start = process.cpuUsage()
      const sealed: GeneralJWE[] = []
      for (let n = 0; n < PER_ROUND; n++) sealed.push(await p.seal(`${round}-${n}`))
      const sealCpu = process.cpuUsage(start)
      const middle = process.cpuUsage()
      for (const jwe of sealed) await p.open(jwe)
      const openCpu = process.cpuUsage(middle)
      seals[i]?.push(cpuMs(sealCpu) / PER_ROUND)
      opens[i]?.push(cpuMs(openCpu) / PER_ROUND)
    }
  }
  const figures = SCHEMES.map((scheme, i) => {
    const sealMs = median(seals[i] as number[])
    const openMs = median(opens[i] as number[])
    return {
      scheme: scheme.name,
      sealMs,
      openMs,
      ceilingPerSecond: (2 * 1000) / (sealMs + RECIPIENTS * openMs),
    }
  })
  console.log(
    `envelope schemes, crypto only, ${RECIPIENTS} recipients, ${ROUNDS}×${PER_ROUND} events each, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  )
  console.log('scheme (CPU ms per event)                 seal    open   ceiling/s (2 cores)')
  for (const f of figures) {
    console.log(
      `${f.scheme.padEnd(40)} ${f.sealMs.toFixed(2).padStart(7)}  ${f.openMs.toFixed(2).padStart(7)}  ${f.ceilingPerSecond.toFixed(0).padStart(6)}`,
    )
  }
  return figures
}
