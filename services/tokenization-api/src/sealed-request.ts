/**
 * Opening a request to the vault: a nested JWT — signed by the calling workload (JWS, ES256, its
 * registered key), then encrypted to the vault (JWE, ECDH-ES+A256KW / A256GCM, `cty: "JWT"`).
 * Decrypt first (only the vault can read the card), then verify the signature with the key of the
 * workload on the other end of the TLS connection (so a request cannot be relayed by another
 * client), then the claims: `iss` = that workload, `aud` = the vault, `iat`/`exp` present and at
 * most {@link MAX_REQUEST_LIFETIME_SECONDS} apart, not expired, `jti` present. One-time use of the
 * `jti` is the caller's next step (it needs the database). Every failure is a {@link VaultRefusal}.
 */
import {
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
} from 'jose'
import type { RegisteredClient } from './registered-clients.ts'
import type { VaultKeys } from './vault-keys.ts'
import {
  VAULT_REASONS,
  VaultBodyNotEncrypted,
  VaultBodyUndecryptable,
  VaultRefusal,
  VaultRequestClaimsInvalid,
  VaultRequestUnsigned,
  VaultSignatureInvalid,
} from './vault-problems.ts'

/** `typ` of a request JWT (RFC 8725 §3.11: explicit typing, no confusion with other JWTs). */
export const REQUEST_TYPE = 'vault-request+jwt'

/** Longest a request may live (`exp - iat`), in seconds: long enough for one call, no more. */
export const MAX_REQUEST_LIFETIME_SECONDS = 60

/** Clock skew tolerated between the vault and its clients, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 5

/** A verified request: its claims and the one-time id with its expiry. */
export interface OpenedRequest {
  readonly requestId: string
  /** Seconds since the epoch. */
  readonly expiresAt: number
  readonly claims: JWTPayload
}

const COMPACT_JWE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){4}$/
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

async function decrypt(body: string, keys: VaultKeys): Promise<string> {
  if (!COMPACT_JWE.test(body)) {
    throw new VaultRefusal(VAULT_REASONS.notEncrypted, VaultBodyNotEncrypted)
  }
  try {
    const { plaintext } = await compactDecrypt(body, keys.decryption.key, {
      keyManagementAlgorithms: [keys.decryption.alg],
      contentEncryptionAlgorithms: ['A256GCM'],
    })
    return new TextDecoder().decode(plaintext)
  } catch (cause) {
    throw new VaultRefusal(VAULT_REASONS.undecryptable, VaultBodyUndecryptable, undefined, cause)
  }
}

function assertSigned(inner: string): void {
  let alg: unknown
  try {
    alg = COMPACT_JWS.test(inner) ? decodeProtectedHeader(inner).alg : undefined
  } catch {
    alg = undefined
  }
  if (typeof alg !== 'string' || alg === 'none' || inner.endsWith('.')) {
    throw new VaultRefusal(VAULT_REASONS.unsigned, VaultRequestUnsigned)
  }
}

/** Whether another registered client's key made the signature (named apart in the audit). */
async function signedByAnother(
  inner: string,
  client: RegisteredClient,
  clients: ReadonlyMap<string, RegisteredClient>,
): Promise<boolean> {
  for (const other of clients.values()) {
    if (other.peerId === client.peerId) continue
    try {
      await compactVerify(inner, other.verificationKey, { algorithms: ['ES256'] })
      return true
    } catch {
      // not this one
    }
  }
  return false
}

async function verify(
  inner: string,
  client: RegisteredClient,
  clients: ReadonlyMap<string, RegisteredClient>,
  vaultId: string,
  now: Date,
): Promise<OpenedRequest> {
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(inner, client.verificationKey, {
      algorithms: ['ES256'],
      typ: REQUEST_TYPE,
      issuer: client.issuer,
      audience: vaultId,
      requiredClaims: ['iat', 'exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    }))
  } catch (cause) {
    if (cause instanceof errors.JWSSignatureVerificationFailed) {
      const reason = (await signedByAnother(inner, client, clients))
        ? VAULT_REASONS.wrongSigner
        : VAULT_REASONS.signatureInvalid
      throw new VaultRefusal(reason, VaultSignatureInvalid, undefined, cause)
    }
    if (cause instanceof errors.JWSInvalid || cause instanceof errors.JOSEAlgNotAllowed) {
      throw new VaultRefusal(VAULT_REASONS.unsigned, VaultRequestUnsigned, undefined, cause)
    }
    const reason =
      cause instanceof errors.JWTExpired ? VAULT_REASONS.expired : VAULT_REASONS.claimsInvalid
    throw new VaultRefusal(reason, VaultRequestClaimsInvalid, undefined, cause)
  }
  const { iat, exp, jti } = payload as Required<Pick<JWTPayload, 'iat' | 'exp' | 'jti'>>
  if (typeof jti !== 'string' || jti === '') {
    throw new VaultRefusal(VAULT_REASONS.claimsInvalid, VaultRequestClaimsInvalid)
  }
  if (exp - iat > MAX_REQUEST_LIFETIME_SECONDS) {
    throw new VaultRefusal(VAULT_REASONS.lifetimeTooLong, VaultRequestClaimsInvalid, jti)
  }
  return { requestId: jti, expiresAt: exp, claims: payload }
}

/**
 * @example
 * ```ts
 * const request = await openSealedRequest(body, { client, clients, keys, vaultId })
 * await replayStore.consume(client.peerId, request.requestId, request.expiresAt)
 * ```
 * @throws {VaultRefusal} for every request that is not sealed, signed and fresh as above.
 */
export async function openSealedRequest(
  body: string,
  context: {
    readonly client: RegisteredClient
    readonly clients: ReadonlyMap<string, RegisteredClient>
    readonly keys: VaultKeys
    readonly vaultId: string
    readonly now?: Date
  },
): Promise<OpenedRequest> {
  const inner = await decrypt(body, context.keys)
  assertSigned(inner)
  return verify(inner, context.client, context.clients, context.vaultId, context.now ?? new Date())
}
