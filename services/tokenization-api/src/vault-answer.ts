/**
 * The vault's answers: a JWT signed with the vault's key (ES256, `typ: "vault-answer+jwt"`),
 * addressed to the calling workload (`aud`), bound to the request it answers (`req` = the
 * request's `jti`) and short-lived. An answer carrying a card number (detokenization) is then
 * also encrypted to the client's published key, so only that workload can read it.
 */
import { randomUUID } from 'node:crypto'
import { CompactEncrypt, SignJWT, type JWTPayload } from 'jose'
import type { RegisteredClient } from './registered-clients.ts'
import type { VaultKeys } from './vault-keys.ts'

/** `typ` of an answer JWT. */
export const ANSWER_TYPE = 'vault-answer+jwt'

/** Seconds an answer stays verifiable. */
const ANSWER_LIFETIME_SECONDS = 60

/** Media type of an answer body (RFC 7519 §10.3.1). */
export const ANSWER_CONTENT_TYPE = 'application/jwt'

/** What every answer needs: who signs, for whom, in reply to which request. */
export interface AnswerContext {
  readonly keys: VaultKeys
  readonly vaultId: string
  readonly client: RegisteredClient
  readonly requestId: string
}

/**
 * @example
 * ```ts
 * const jwt = await signAnswer({ token, brand, last4 }, { keys, vaultId, client, requestId })
 * ```
 */
export function signAnswer(claims: JWTPayload, context: AnswerContext): Promise<string> {
  return new SignJWT({ ...claims, req: context.requestId })
    .setProtectedHeader({ alg: 'ES256', typ: ANSWER_TYPE, kid: context.keys.signing.kid })
    .setIssuer(context.vaultId)
    .setAudience(context.client.issuer)
    .setIssuedAt()
    .setExpirationTime(`${ANSWER_LIFETIME_SECONDS}s`)
    .setJti(randomUUID())
    .sign(context.keys.signing.key)
}

/** {@link signAnswer}, then encrypted to the client (ECDH-ES+A256KW / A256GCM, `cty: "JWT"`). */
export async function signAndEncryptAnswer(
  claims: JWTPayload,
  context: AnswerContext,
): Promise<string> {
  const signed = await signAnswer(claims, context)
  return new CompactEncrypt(new TextEncoder().encode(signed))
    .setProtectedHeader({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      cty: 'JWT',
      kid: context.client.encryptionKid,
    })
    .encrypt(context.client.encryptionKey)
}
