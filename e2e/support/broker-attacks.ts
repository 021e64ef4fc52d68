/**
 * The broker as an attacker with a stolen workload identity sees it: connections opened with a
 * service's own certificate (SASL EXTERNAL, exactly as the service connects), raw publishes with
 * confirms, and `order.placed` messages forged with jose — signed with the publisher's stolen
 * signing key or an attacker's key, encrypted (or not) to a subscriber's published key. Also the
 * subscribers' dead-letter queues, read with each subscriber's own identity.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, GeneralEncrypt, importJWK, SignJWT, type JWK } from 'jose'
import { connectBroker } from '@mythical/broker'
import { SECRET_FILES, serviceByName, stackPaths, workloadId } from '@mythical/stack'

const paths = stackPaths()

export const PUBLISHER = 'order-fulfillment-api'
export const ORDERS_EXCHANGE = 'orders'
export const ORDER_PLACED = 'order.placed'
/** The dead-letter header the consumer writes (packages/events/src/consume-events.ts). */
export const REJECTION_REASON_HEADER = 'x-rejection-reason'

export const queueOf = (service: string): string => `${service}.order-placed`
export const userOf = (service: string): string =>
  workloadId(serviceByName(service).domain, service)

type Connection = Awaited<ReturnType<typeof connectBroker>>
type ConfirmChannel = Awaited<ReturnType<Connection['createConfirmChannel']>>
export type BrokerError = Error & { code?: number }

/** A connection with `service`'s own certificate, as the service itself opens it. */
export async function connectAs(service: string): Promise<Connection> {
  const conn = await connectBroker(paths.secrets(service), {
    clientName: `e2e:${service}`,
    serverCaFile: paths.caCert('retail'),
  })
  conn.on('error', () => {})
  return conn
}

/** Publishes persistent, waits for the broker's confirm; rejects when it nacks. */
export function publishConfirmed(
  channel: ConfirmChannel,
  body: Buffer,
  messageId: string,
  target: { exchange: string; routingKey: string } = {
    exchange: ORDERS_EXCHANGE,
    routingKey: ORDER_PLACED,
  },
): Promise<void> {
  return new Promise((resolve, reject) =>
    channel.publish(
      target.exchange,
      target.routingKey,
      body,
      { messageId, persistent: true },
      (err) => (err ? reject(new Error(`${messageId} was not confirmed`)) : resolve()),
    ),
  )
}

/**
 * Runs `operation` on a fresh confirm channel and resolves with the error the broker closes the
 * channel with (e.g. 403 ACCESS_REFUSED); rejects if the broker lets it through within 5 s.
 */
export async function brokerRefusal(
  conn: Connection,
  operation: (channel: ConfirmChannel) => Promise<unknown>,
): Promise<BrokerError> {
  const channel = await conn.createConfirmChannel()
  const closed = new Promise<BrokerError>((resolve) => channel.once('error', resolve))
  const outcome = await Promise.race([
    operation(channel).then(
      () => 'accepted',
      () => 'refused',
    ),
    closed.then(() => 'refused'),
    new Promise((resolve) => setTimeout(resolve, 5_000, 'timeout')),
  ])
  if (outcome !== 'refused') throw new Error(`the broker did not refuse the operation (${outcome})`)
  return closed
}

function jwkFile(file: string): JWK & { kid: string; alg: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as JWK & { kid: string; alg: string }
}

/** The subscriber's published encryption keys (its JWKS in the public PKI folder). */
function encryptionKeysOf(service: string): (JWK & { kid: string; alg: string })[] {
  const jwks = JSON.parse(
    readFileSync(paths.publicJwks(serviceByName(service).domain, service), 'utf8'),
  ) as { keys: (JWK & { kid: string; alg: string; use?: string })[] }
  return jwks.keys.filter((key) => key.use === 'enc')
}

export interface ForgedEvent {
  /** The signed `jti` (the consumer also requires it as the AMQP message id). */
  readonly jti: string
  readonly data: Record<string, unknown>
  /** `iat`, seconds since the epoch. Default: now. */
  readonly issuedAt?: number
  /** `publisher`: the stolen signing key; `attacker`: a fresh key under the publisher's `kid`. */
  readonly signer: 'publisher' | 'attacker'
}

/** An `order.placed` JWT as the publisher signs it, or as an attacker imitates it. */
export async function signEvent(event: ForgedEvent): Promise<string> {
  const stolen = jwkFile(join(paths.secrets(PUBLISHER), SECRET_FILES.signingKey))
  const key =
    event.signer === 'publisher'
      ? await importJWK(stolen, stolen.alg)
      : (await generateKeyPair('ES256')).privateKey
  return new SignJWT({ event_type: ORDER_PLACED, data: event.data })
    .setProtectedHeader({ alg: 'ES256', kid: stolen.kid, typ: 'event+jwt' })
    .setIssuer(userOf(PUBLISHER))
    .setAudience('retail')
    .setJti(event.jti)
    .setIssuedAt(event.issuedAt ?? Math.floor(Date.now() / 1000))
    .sign(key)
}

/** One General JSON JWE of `plaintext` for `service`'s published key, in the envelope format. */
export async function encryptTo(service: string, plaintext: string): Promise<Buffer> {
  const jwe = new GeneralEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({
    enc: 'A256GCM',
  })
  for (const key of encryptionKeysOf(service)) {
    jwe
      .addRecipient(await importJWK(key, key.alg))
      .setUnprotectedHeader({ alg: key.alg, kid: key.kid })
  }
  return Buffer.from(JSON.stringify({ envelopes: [await jwe.encrypt()] }))
}

/** The same envelope with one ciphertext byte flipped (a tampered message). */
export function tampered(body: Buffer): Buffer {
  const parsed = JSON.parse(body.toString()) as { envelopes: { ciphertext: string }[] }
  const envelope = parsed.envelopes[0]
  if (!envelope) throw new TypeError('no envelope')
  const bytes = Buffer.from(envelope.ciphertext, 'base64url')
  bytes[0] = (bytes[0] ?? 0) ^ 0xff
  envelope.ciphertext = bytes.toString('base64url')
  return Buffer.from(JSON.stringify(parsed))
}

export interface DeadLetter {
  readonly messageId: string
  readonly reason: unknown
  readonly headers: Record<string, unknown>
}

/**
 * Takes the messages with these ids out of `service`'s dead-letter queue (acked), with its own
 * identity; everything else stays there (unacked, requeued when the channel closes).
 */
export async function takeDeadLetters(
  service: string,
  messageIds: readonly string[],
): Promise<DeadLetter[]> {
  const conn = await connectAs(service)
  try {
    const channel = await conn.createChannel()
    const found: DeadLetter[] = []
    for (;;) {
      const message = await channel.get(`${queueOf(service)}.dlq`, { noAck: false })
      if (message === false) break
      const messageId = String(message.properties.messageId)
      if (!messageIds.includes(messageId)) continue
      const headers = (message.properties.headers ?? {}) as Record<string, unknown>
      found.push({ messageId, reason: headers[REJECTION_REASON_HEADER], headers })
      channel.ack(message)
    }
    await channel.close()
    return found
  } finally {
    await conn.close()
  }
}
