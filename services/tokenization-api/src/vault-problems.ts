/**
 * The card vault's refusals: a stable problem code for the caller and a dotted audit reason for
 * the vault's own audit trail, one pair per way a request can fail.
 *
 * @module
 */
import { defineProblem, type ProblemClass, type ProblemError } from '@mythical/problem'

/** 415: the body is not `application/jose` (a compact JWE). */
export const VaultBodyNotJose = defineProblem(
  'ZT_ERR_VAULT_BODY_NOT_JOSE',
  415,
  'Request body must be an encrypted JWT (application/jose)',
)

/** 400: the body is not a JWE: sent in the clear (signed or not). */
export const VaultBodyNotEncrypted = defineProblem(
  'ZT_ERR_VAULT_BODY_NOT_ENCRYPTED',
  400,
  'Request body is not encrypted to the vault',
)

/** 400: a JWE the vault cannot decrypt: tampered, or encrypted to another key. */
export const VaultBodyUndecryptable = defineProblem(
  'ZT_ERR_VAULT_BODY_UNDECRYPTABLE',
  400,
  'Request body cannot be decrypted',
)

/** 401: the decrypted content is not a signed JWT (unsigned, `alg: none`, plain JSON). */
export const VaultRequestUnsigned = defineProblem(
  'ZT_ERR_VAULT_REQUEST_UNSIGNED',
  401,
  'Request is not signed',
)

/** 401: the signature does not verify with the calling workload's registered key. */
export const VaultSignatureInvalid = defineProblem(
  'ZT_ERR_VAULT_SIGNATURE_INVALID',
  401,
  "Request signature does not verify with the caller's registered key",
)

/** 401: expired, not yet valid, too long-lived, or for another audience / from another issuer. */
export const VaultRequestClaimsInvalid = defineProblem(
  'ZT_ERR_VAULT_REQUEST_CLAIMS',
  401,
  'Request claims are not acceptable',
)

/** 409: the request's `jti` was used before. */
export const VaultRequestReplayed = defineProblem(
  'ZT_ERR_VAULT_REQUEST_REPLAYED',
  409,
  'Request was already used (replay)',
)

/** 422: the card (or token) in a well-formed request is not acceptable. */
export const VaultCardInvalid = defineProblem('ZT_ERR_VAULT_CARD_INVALID', 422, 'Card not accepted')

/** 404: detokenization of a token the vault never issued. */
export const VaultTokenUnknown = defineProblem('ZT_ERR_VAULT_TOKEN_UNKNOWN', 404, 'Unknown token')

/** Audit reason codes of the vault (`decision` records, boundary TB07). */
export const VAULT_REASONS = {
  allowed: 'vault.request_accepted',
  notJose: 'vault.body_not_jose',
  notEncrypted: 'vault.body_not_encrypted',
  undecryptable: 'vault.body_undecryptable',
  unsigned: 'vault.request_unsigned',
  signatureInvalid: 'vault.signature_invalid',
  wrongSigner: 'vault.wrong_signer',
  expired: 'vault.request_expired',
  lifetimeTooLong: 'vault.request_lifetime_too_long',
  claimsInvalid: 'vault.request_claims_invalid',
  replayed: 'vault.request_replayed',
  cardInvalid: 'vault.card_invalid',
  tokenUnknown: 'vault.token_unknown',
  /** The TLS handshake failed: no certificate of the cardvault CA (e.g. a retail one). */
  handshakeRefused: 'vault.handshake_refused',
} as const

/** A refusal: what the caller is answered and why the vault's audit says so. */
export class VaultRefusal extends Error {
  readonly reason: string
  readonly problem: ProblemError
  /** `jti` of the refused request, once it is known from a verified signature. */
  readonly requestId: string | undefined

  constructor(reason: string, Problem: ProblemClass, requestId?: string, cause?: unknown) {
    super(reason, cause === undefined ? undefined : { cause })
    this.name = 'VaultRefusal'
    this.reason = reason
    this.problem = new Problem(undefined, cause === undefined ? undefined : { cause })
    this.requestId = requestId
  }
}
