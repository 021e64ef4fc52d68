/**
 * The DPoP proof (RFC 9449 §5) of a token-exchange request, checked by oidc-provider's own
 * validator — the one its built-in grants use: signature with the embedded key, allowed
 * algorithms, `typ`, `htm`, `htu`, `iat` window, nonce — and its `jti` replay store. A custom grant
 * therefore binds exactly as the authorization code and refresh token grants do.
 *
 * oidc-provider does not export these helpers, hence the deep import; it is tied to the pinned
 * version like the refusal-reason table (test/unit/audit/refusal-reasons.test.ts).
 */
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import validateDpop, { checkDpopReplay } from 'oidc-provider/lib/helpers/validate_dpop.js'
import type { ValidatedDpopProof } from 'oidc-provider/lib/helpers/validate_dpop.js'

export type { ValidatedDpopProof }

/**
 * The request's verified, not replayed DPoP proof, or `undefined` when it carries none. An
 * invalid proof throws oidc-provider's `invalid_dpop_proof`; a replayed one `invalid_grant`.
 *
 * @example
 * ```ts
 * const proof = await dpopProofOf(provider, ctx)
 * if (proof) accessToken.setThumbprint('jkt', proof.thumbprint)
 * ```
 */
export async function dpopProofOf(
  provider: Provider,
  ctx: KoaContextWithOIDC,
): Promise<ValidatedDpopProof | undefined> {
  const proof = await validateDpop(provider, ctx)
  if (proof && ctx.oidc.client)
    await checkDpopReplay(provider, ctx, proof, ctx.oidc.client.clientId)
  return proof
}
