/**
 * Types of the two oidc-provider helpers `dpop-binding.ts` reuses. oidc-provider exports no types
 * for its internals; these match lib/helpers/validate_dpop.js of the pinned version (9.13.3).
 */
declare module 'oidc-provider/lib/helpers/validate_dpop.js' {
  import type Provider from 'oidc-provider'
  import type { KoaContextWithOIDC } from 'oidc-provider'

  /** A verified DPoP proof: the RFC 7638 thumbprint of its key, its `jti` and `iat`. */
  export interface ValidatedDpopProof {
    readonly thumbprint: string
    readonly jti: string
    readonly iat: number
  }

  /** Verifies the request's `DPoP` header; `undefined` when there is none. */
  export default function validateDpop(
    provider: Provider,
    ctx: KoaContextWithOIDC,
  ): Promise<ValidatedDpopProof | undefined>

  /** Refuses a proof whose `jti` this client already used (replay detection store). */
  export function checkDpopReplay(
    provider: Provider,
    ctx: KoaContextWithOIDC,
    proof: ValidatedDpopProof,
    clientId: string,
  ): Promise<void>
}
