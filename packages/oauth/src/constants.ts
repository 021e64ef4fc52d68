/**
 * The protocol identifiers every workload shares, declared once: RFC 8693 token types and grant,
 * RFC 7523 client assertions, and the signing algorithms this stack accepts.
 *
 * @module
 */

/** RFC 8693 §3: token type identifiers. */
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const

/** RFC 8693 §2.1: the token-exchange grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** RFC 7523 §2.2: `client_assertion_type` of a `private_key_jwt` client assertion. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/**
 * The asymmetric JWS algorithms accepted for tokens, client assertions and DPoP proofs (FAPI 2.0
 * Security Profile §5.4: PS256, ES256, EdDSA). Never `none`, never a symmetric HS* algorithm, so
 * the "HS256 keyed with the public key" trick and unsigned tokens fail before any key is used.
 */
export const SIGNING_ALGORITHMS = ['ES256', 'PS256', 'EdDSA'] as const

/** One of {@link SIGNING_ALGORITHMS}. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

/** Whether `alg` is one of {@link SIGNING_ALGORITHMS}. */
export function isSigningAlgorithm(alg: unknown): alg is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly unknown[]).includes(alg)
}

/** RFC 9068 §2.1: `typ` of a JWT access token. */
export const ACCESS_TOKEN_JWT_TYPE = 'at+jwt'

/** RFC 9449 §4.2: `typ` of a DPoP proof. */
export const DPOP_PROOF_TYPE = 'dpop+jwt'

/** RFC 9701 §5: `typ` of a JWT introspection response. */
export const INTROSPECTION_JWT_TYPE = 'token-introspection+jwt'
