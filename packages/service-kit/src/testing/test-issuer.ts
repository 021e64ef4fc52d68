/**
 * A stand-in for the retail IdP in unit tests of hop services: an ES256 key, its public key set
 * (pass as `keys`), a minter of RFC 9068 access tokens certificate-bound to a workload, and a
 * token client that "exchanges" like the IdP does (same `sub`, nested `act`, scope narrowed,
 * bound to the calling workload). Integration tests use the real IdP instead.
 */
import { X509Certificate } from 'node:crypto'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import type { WorkloadIdentity } from '@mythical/mtls'
import {
  certificateThumbprint,
  createIssuerKeySet,
  type IssuedToken,
  type IssuerKeySet,
  type TokenClient,
} from '@mythical/oauth'
import { resourceUri, serviceByName } from '@mythical/stack'

/** The issuer identifier test tokens carry (the retail IdP's public one). */
export const TEST_ISSUER = 'https://localhost:4000'

/** What a minted token says. */
export interface TestTokenClaims {
  /** Manifest name of the audience service, or a raw `aud`. */
  readonly audience: string
  /** The workload whose certificate the token is bound to; omit for an unbound token. */
  readonly boundTo?: WorkloadIdentity
  readonly sub?: string
  readonly scope?: string
  readonly clientId?: string
  readonly act?: { sub: string; act?: unknown }
  readonly groups?: readonly string[]
  readonly acr?: string
  readonly amr?: readonly string[]
  /** Seconds until expiry, default 300 (negative: already expired). */
  readonly expiresIn?: number
}

/** A test issuer: keys, minter and an exchanging token client. */
export interface TestIssuer {
  readonly issuer: string
  readonly keys: IssuerKeySet
  /** The public key set, for a JWKS endpoint serving it to services run as processes. */
  readonly jwks: { readonly keys: readonly JWK[] }
  mint(claims: TestTokenClaims): Promise<string>
  /** A token client for workload `as` (its certificate binds the exchanged tokens). */
  tokenClient(as: WorkloadIdentity): TokenClient & { readonly requests: string[] }
}

const audienceOf = (value: string) =>
  value.startsWith('https://') ? value : resourceUri(serviceByName(value))

const serviceOf = (identity: WorkloadIdentity) => identity.spiffeId.split('/').at(-1) ?? ''

/**
 * @example
 * ```ts
 * const idp = await createTestIssuer()
 * const token = await idp.mint({ audience: 'orders-api', boundTo: caller.identity,
 *   sub: 'katie', scope: 'orders:read' })
 * ```
 */
export async function createTestIssuer(): Promise<TestIssuer> {
  const pair = await generateKeyPair('ES256')
  const key: CryptoKey = pair.privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' }

  async function mint(claims: TestTokenClaims): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      client_id: claims.clientId ?? 'web',
      jti: crypto.randomUUID(),
      ...(claims.act ? { act: claims.act } : {}),
      ...(claims.groups ? { groups: [...claims.groups] } : {}),
      ...(claims.acr ? { acr: claims.acr } : {}),
      ...(claims.amr ? { amr: [...claims.amr] } : {}),
      ...(claims.boundTo
        ? {
            cnf: {
              'x5t#S256': certificateThumbprint(new X509Certificate(claims.boundTo.certPem)),
            },
          }
        : {}),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'test-key' })
      .setIssuer(TEST_ISSUER)
      .setSubject(claims.sub ?? 'katie')
      .setAudience(audienceOf(claims.audience))
      .setIssuedAt(now)
      .setExpirationTime(now + (claims.expiresIn ?? 300))
      .sign(key)
  }

  function tokenClient(as: WorkloadIdentity) {
    const requests: string[] = []
    const issue = (accessToken: string, scope: string | undefined): IssuedToken => ({
      accessToken,
      tokenType: 'Bearer',
      expiresAt: Date.now() + 300_000,
      scope,
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    })
    return {
      requests,
      async exchangeTokenFor(subjectToken: string, audience: string, options?: { scope?: string }) {
        requests.push(`exchange ${audience} ${options?.scope ?? ''}`)
        const subject = decodeJwt(subjectToken)
        const actor = serviceOf(as)
        const token = await mint({
          audience,
          boundTo: as,
          sub: String(subject.sub),
          clientId: actor,
          act: {
            sub: as.spiffeId,
            ...(subject.act ? { act: subject.act as { sub: string } } : {}),
          },
          ...(options?.scope ? { scope: options.scope } : {}),
          ...(Array.isArray(subject.groups) ? { groups: subject.groups as string[] } : {}),
          ...(typeof subject.acr === 'string' ? { acr: subject.acr } : {}),
          ...(Array.isArray(subject.amr) ? { amr: subject.amr as string[] } : {}),
        })
        return issue(token, options?.scope)
      },
      async clientCredentialsFor(audience: string, options?: { scope?: string }) {
        requests.push(`client_credentials ${audience} ${options?.scope ?? ''}`)
        const client = serviceOf(as)
        const token = await mint({
          audience,
          boundTo: as,
          sub: client,
          clientId: client,
          ...(options?.scope ? { scope: options.scope } : {}),
        })
        return issue(token, options?.scope)
      },
    }
  }

  return {
    issuer: TEST_ISSUER,
    keys: createIssuerKeySet({ jwks: { keys: [jwk] } }),
    jwks: { keys: [jwk] },
    mint,
    tokenClient,
  }
}
