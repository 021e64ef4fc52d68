/**
 * The card vault (tokenization-api, a third party) as a registered client calls it (TB07):
 * mutual TLS with the client certificate the vault's CA issued to this workload
 * (`SECRETS_DIR/cardvault/`), the vault authenticated by its SPIFFE id; each request a nested JWT —
 * signed with this workload's own key (JWS ES256, published in `pki/<domain>/jwks/`), then
 * encrypted to the vault's published key (JWE ECDH-ES+A256KW / A256GCM) — with `iat`, a 30-second
 * `exp` and a fresh `jti`; the answer accepted only when signed by the vault, addressed to this
 * workload and bound to this request (`req` = our `jti`).
 *
 * - `tokenize` (order-fulfillment-api): card → token. The CVC is never sent: nothing needs it.
 * - `detokenize` (payments-api): token → card. The vault's answer is also encrypted to this
 *   workload's own published key, so the card number is readable here and nowhere on the way.
 *
 * The vault unreachable or failing → 503; the vault refusing the card → 422; a token it never
 * issued → 422; anything else the vault says, or an answer that does not verify → 502. Failures are
 * logged by error name and code only (`describeError`): a verification error of jose carries the
 * claims, and a detokenization answer's claims hold the card number.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeError } from '@mythical/audit'
import { readSecretFile } from '@mythical/config'
import { createMtlsAgent, loadWorkloadIdentity } from '@mythical/mtls'
import { defineProblem, ServiceUnavailable } from '@mythical/problem'
import { CALL_GRAPH, SECRET_FILES, serviceByName, workloadId } from '@mythical/stack'
import {
  CompactEncrypt,
  compactDecrypt,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose'
import { request, type Dispatcher } from 'undici'

const VAULT = 'tokenization-api'

/** `typ` of requests and answers (explicit typing, RFC 8725 §3.11). */
const REQUEST_TYPE = 'vault-request+jwt'
const ANSWER_TYPE = 'vault-answer+jwt'

/** Seconds a sealed request lives: one call, no more (the vault allows at most 60). */
const REQUEST_LIFETIME_SECONDS = 30

/** Milliseconds a vault call may take, headers and body. */
const VAULT_TIMEOUT_MS = 5000

/** 422: the vault does not accept the card (not a card number, expired). */
export const CardRejected = defineProblem('ZT_ERR_CARD_REJECTED', 422, 'Card not accepted')

/** 422: the vault never issued this token (detokenization). */
export const CardTokenUnknown = defineProblem(
  'ZT_ERR_CARD_TOKEN_UNKNOWN',
  422,
  'Card token not known to the vault',
)

/** 502: the vault refused this service or answered something that does not verify. */
export const VaultRefused = defineProblem(
  'ZT_ERR_VAULT_REFUSED',
  502,
  'The card vault refused this service',
)

/** The card as the shopper sent it, or as the vault gives it back; never a CVC. */
export interface Card {
  readonly number: string
  readonly expMonth: number
  readonly expYear: number
}

/** What the vault hands back: a token that is never a card number, and what may be shown. */
export interface CardToken {
  readonly token: string
  readonly brand: string
  readonly last4: string
}

export interface CardVaultClient {
  /** `POST /tokens`: the card for a token (order-fulfillment-api). */
  tokenize(card: Card): Promise<CardToken>
  /**
   * `POST /detokenize`: the card behind a token (payments-api only). Keep it in memory only.
   * `traceparent` (W3C) joins the vault's audit record to the caller's trace.
   */
  detokenize(token: string, traceparent?: string): Promise<Card>
  close(): Promise<void>
}

/** Options of {@link createCardVaultClient}. */
export interface CardVaultClientOptions {
  /** Manifest name of this workload: a `signed-body` caller of the vault in the call graph. */
  readonly service: string
  /** This workload's secrets folder: signing key, and the vault's client certificate in `cardvault/`. */
  readonly secretsDir: string
  /** Public PKI: the vault's published keys in `cardvault/jwks/tokenization-api.json`. */
  readonly pkiDir: string
  /** Base URL of the vault (`TOKENIZATION_API_URL`). */
  readonly url: string
  /** Logged, never answered: why a vault call failed. */
  readonly logger?: { warn(obj: object, msg: string): void }
}

async function publishedVaultKeys(pkiDir: string) {
  const vaultDomain = serviceByName(VAULT).domain
  const file = join(pkiDir, vaultDomain, 'jwks', `${VAULT}.json`)
  const { keys = [] } = JSON.parse(readFileSync(file, 'utf8')) as { keys?: JWK[] }
  const sig = keys.find((k) => k.use === 'sig')
  const enc = keys.find((k) => k.use === 'enc')
  if (!sig || !enc || typeof enc.kid !== 'string') {
    throw new TypeError(`${file} must publish the vault's "sig" and "enc" keys`)
  }
  return {
    verification: (await importJWK(sig, 'ES256')) as CryptoKey,
    encryption: (await importJWK(enc, 'ECDH-ES+A256KW')) as CryptoKey,
    encryptionKid: enc.kid,
  }
}

async function ownKey(
  secretsDir: string,
  file: string,
  alg: 'ES256' | 'ECDH-ES+A256KW',
): Promise<{ key: CryptoKey; kid: string }> {
  const jwk = JSON.parse(readSecretFile(secretsDir, file)) as JWK
  if (typeof jwk.kid !== 'string') throw new TypeError(`${file} needs a "kid"`)
  return { key: (await importJWK(jwk, alg)) as CryptoKey, kid: jwk.kid }
}

function assertRegisteredClient(service: string): void {
  const registered = CALL_GRAPH.some(
    (call) => call.caller === service && call.callee === VAULT && call.credential === 'signed-body',
  )
  if (!registered) throw new TypeError(`${service} is no registered client of the card vault`)
}

const isCard = (value: unknown): value is Card => {
  const card = value as Partial<Card> | null
  return (
    typeof card?.number === 'string' &&
    Number.isInteger(card.expMonth) &&
    Number.isInteger(card.expYear)
  )
}

/**
 * @example
 * ```ts
 * const vault = await createCardVaultClient({
 *   service: 'order-fulfillment-api', secretsDir, pkiDir, url: config.TOKENIZATION_API_URL,
 * })
 * const { token, brand, last4 } = await vault.tokenize({ number, expMonth, expYear })
 * ```
 */
export async function createCardVaultClient(
  options: CardVaultClientOptions,
): Promise<CardVaultClient> {
  const base = new URL(options.url)
  if (base.protocol !== 'https:') throw new TypeError('the vault URL must be https')
  assertRegisteredClient(options.service)
  const selfIssuer = workloadId(serviceByName(options.service).domain, options.service)
  const vaultId = workloadId(serviceByName(VAULT).domain, VAULT)
  const signing = await ownKey(options.secretsDir, SECRET_FILES.signingKey, 'ES256')
  const decryption = await ownKey(options.secretsDir, SECRET_FILES.encryptionKey, 'ECDH-ES+A256KW')
  const vaultKeys = await publishedVaultKeys(options.pkiDir)
  const dispatcher: Dispatcher = createMtlsAgent(
    loadWorkloadIdentity(join(options.secretsDir, serviceByName(VAULT).domain)),
    { allowedServerIds: [vaultId] },
  )

  async function seal(claims: JWTPayload, jti: string): Promise<string> {
    const signed = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: REQUEST_TYPE, kid: signing.kid })
      .setIssuer(selfIssuer)
      .setAudience(vaultId)
      .setIssuedAt()
      .setExpirationTime(`${REQUEST_LIFETIME_SECONDS}s`)
      .setJti(jti)
      .sign(signing.key)
    return new CompactEncrypt(new TextEncoder().encode(signed))
      .setProtectedHeader({
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        cty: 'JWT',
        kid: vaultKeys.encryptionKid,
      })
      .encrypt(vaultKeys.encryption)
  }

  async function post(
    path: string,
    body: string,
    traceparent?: string,
  ): Promise<{ status: number; text: string }> {
    try {
      const res = await request(new URL(path, base), {
        method: 'POST',
        dispatcher,
        headersTimeout: VAULT_TIMEOUT_MS,
        bodyTimeout: VAULT_TIMEOUT_MS,
        headers: {
          'content-type': 'application/jose',
          accept: 'application/jwt',
          ...(traceparent ? { traceparent } : {}),
        },
        body,
      })
      return { status: res.statusCode, text: await res.body.text() }
    } catch (cause) {
      options.logger?.warn(
        { target: VAULT, failure: describeError(cause) },
        'card vault call failed',
      )
      throw new ServiceUnavailable('the card vault is unavailable', { cause })
    }
  }

  /** Statuses every route shares: the vault down or failing, or refusing this service. */
  function assertAnswered(res: { status: number }, expected: number): void {
    if (res.status >= 500) {
      options.logger?.warn({ target: VAULT, status: res.status }, 'card vault failed')
      throw new ServiceUnavailable('the card vault is unavailable')
    }
    if (res.status !== expected) {
      options.logger?.warn({ target: VAULT, status: res.status }, 'card vault refused')
      throw new VaultRefused(`the card vault answered ${res.status}`)
    }
  }

  /** A detokenization answer: encrypted to this workload's own key, a signed answer inside. */
  async function decryptedAnswer(text: string): Promise<string> {
    try {
      const { plaintext } = await compactDecrypt(text, decryption.key, {
        keyManagementAlgorithms: ['ECDH-ES+A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      })
      return new TextDecoder().decode(plaintext)
    } catch (cause) {
      options.logger?.warn(
        { target: VAULT, failure: describeError(cause) },
        'card vault answer refused',
      )
      throw new VaultRefused('the card vault answer cannot be decrypted')
    }
  }

  async function verifiedAnswer(text: string, jti: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(text, vaultKeys.verification, {
        algorithms: ['ES256'],
        typ: ANSWER_TYPE,
        issuer: vaultId,
        audience: selfIssuer,
        requiredClaims: ['iat', 'exp', 'req'],
      })
      if (payload.req !== jti) throw new TypeError('answer is bound to another request')
      return payload
    } catch (cause) {
      // No `cause` on the problem: jose's claim errors carry the payload (a card number, here).
      options.logger?.warn(
        { target: VAULT, failure: describeError(cause) },
        'card vault answer refused',
      )
      throw new VaultRefused('the card vault answer does not verify')
    }
  }

  return {
    async tokenize(card) {
      const jti = randomUUID()
      const sealed = await seal(
        { card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear } },
        jti,
      )
      const res = await post('/tokens', sealed)
      if (res.status === 422) throw new CardRejected('the card was not accepted')
      assertAnswered(res, 201)
      const answer = await verifiedAnswer(res.text, jti)
      const { token, brand, last4 } = answer
      if (typeof token !== 'string' || typeof brand !== 'string' || typeof last4 !== 'string') {
        throw new VaultRefused('the card vault answer lacks the token')
      }
      return { token, brand, last4 }
    },
    async detokenize(token, traceparent) {
      const jti = randomUUID()
      const res = await post('/detokenize', await seal({ token }, jti), traceparent)
      if (res.status === 404) throw new CardTokenUnknown('the card vault never issued this token')
      assertAnswered(res, 200)
      const { card } = await verifiedAnswer(await decryptedAnswer(res.text), jti)
      if (!isCard(card)) throw new VaultRefused('the card vault answer lacks the card')
      return { number: card.number, expMonth: card.expMonth, expYear: card.expYear }
    },
    close: () => dispatcher.close(),
  }
}
