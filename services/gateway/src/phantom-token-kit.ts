/**
 * The three OAuth operations of the phantom-token step, as the gateway needs them. The
 * implementations are the OAuth kit's (`@mythical/oauth`): DPoP proof verification, the
 * introspection client (signed JWT responses, cached) and the token-exchange client (cached);
 * tests of the pipeline's own logic pass a fake. The gateway itself contains no OAuth protocol
 * code.
 *
 * @module
 */
import type { DpopRequest, VerifiedDpopProof } from '@mythical/oauth'

/** What introspection (RFC 7662) says about an opaque access token. */
export interface IntrospectedToken {
  readonly active: boolean
  readonly aud?: string | readonly string[]
  readonly client_id?: string
  readonly sub?: string
  readonly scope?: string
  readonly exp?: number
  readonly token_type?: string
  readonly cnf?: { readonly jkt?: string; readonly 'x5t#S256'?: string }
}

/** The caller, once the phantom-token step has verified token and proof. */
export interface VerifiedAccess {
  readonly clientId: string
  /** The end user (`sub`); absent for a client's own token admitted on an anonymous route. */
  readonly subject: string | undefined
  readonly scopes: readonly string[]
  /** The opaque token: exchanged, never forwarded. */
  readonly token: string
}

/** The OAuth operations of the phantom-token step. */
export interface PhantomTokenKit {
  /** Verifies a DPoP proof (RFC 9449); throws the kit's `OAuthKitError` with a `dpop.*` code. */
  verifyProof(request: DpopRequest): Promise<VerifiedDpopProof>
  /**
   * Introspects an opaque token at the IdP's mTLS alias (RFC 7662 + RFC 9701), cached until the
   * token expires but never longer than the gateway's revocation bound. Throws the kit's
   * `OAuthKitError` when the IdP cannot be asked or answers wrongly (never "active" then).
   */
  introspect(token: string): Promise<IntrospectedToken>
  /** Exchanges the opaque token for a JWT whose audience is `resource` (RFC 8693), cached. */
  exchange(token: string, resource: string): Promise<string>
  /**
   * The gateway's own `client_credentials` token for `resource` with `scope` only (anonymous
   * browsing: no user to act for), cached.
   */
  machineToken(resource: string, scope: string): Promise<string>
}
