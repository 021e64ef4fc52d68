/**
 * The BFF's OpenID Connect client role (openid-client): authorization code with PAR, PKCE S256,
 * `private_key_jwt` (the web's signing key, never leaving the server) and DPoP (a fresh key pair
 * per session, kept sealed in the session row). Refresh, revocation and RP-initiated logout.
 */
import * as oidc from 'openid-client'
import { exportJWK, importJWK, type CryptoKey, type JWK } from 'jose'
import type { AuthorizationServerClient } from '@mythical/oauth'
import type { BrowserApp } from './oidc-apps.ts'

/** Sealed in a pending session between the redirect to the IdP and the callback. */
export interface PendingSignIn {
  readonly state: string
  readonly nonce: string
  readonly verifier: string
  readonly returnTo: string
  readonly dpopKey: DpopKeyJwks
}

/** Sealed in an active session. */
export interface SignedInSession {
  readonly clientId: string
  readonly sub: string
  readonly name: string
  readonly accessToken: string
  readonly accessTokenExpiresAt: number
  readonly refreshToken?: string
  readonly idToken?: string
  readonly dpopKey: DpopKeyJwks
}

export interface DpopKeyJwks {
  readonly privateJwk: JWK
  readonly publicJwk: JWK
}

export interface SignInClient {
  /**
   * Pushes the authorization request; returns where to send the browser and what to keep.
   * `acrValues` asks the IdP for a stronger sign-in (RFC 9470 step-up).
   */
  begin(
    returnTo: string,
    options?: { acrValues?: string },
  ): Promise<{ location: string; pending: PendingSignIn }>
  /** Redeems the code of `callbackUrl`, checking state, nonce, PKCE and the ID token. */
  complete(callbackUrl: URL, pending: PendingSignIn): Promise<SignedInSession>
  refresh(session: SignedInSession): Promise<SignedInSession>
  /** Revokes the refresh token (and with it the grant) and returns the IdP's logout URL. */
  signOut(session: SignedInSession, postLogoutRedirect: string): Promise<string>
  /** DPoP handle for calls with the holder's token (gateway, token exchange). */
  dpopOf(holder: { readonly dpopKey: DpopKeyJwks }): Promise<oidc.DPoPHandle>
  configuration(): Promise<oidc.Configuration>
}

const ALG = 'ES256'

/** A fresh DPoP key pair, exported so it can be sealed with the session that uses it. */
export async function newDpopKey(): Promise<DpopKeyJwks> {
  const pair = await oidc.randomDPoPKeyPair(ALG, { extractable: true })
  return {
    privateJwk: await exportJWK(pair.privateKey),
    publicJwk: await exportJWK(pair.publicKey),
  }
}

/**
 * @example
 * const shopper = createSignInClient({ server, app: SHOPPER_APP, origin, gatewayResource })
 * const { location, pending } = await shopper.begin('/orders')
 */
export function createSignInClient(options: {
  server: AuthorizationServerClient
  app: BrowserApp
  origin: string
  gatewayResource: string
}): SignInClient {
  const { server, app } = options
  const redirectUri = `${options.origin}${app.callbackPath}`

  const dpopOf = async (holder: { dpopKey: DpopKeyJwks }) => {
    const privateKey = (await importJWK(holder.dpopKey.privateJwk, ALG)) as CryptoKey
    const publicKey = (await importJWK(holder.dpopKey.publicJwk, ALG)) as CryptoKey
    return oidc.getDPoPHandle(await server.configuration(), { privateKey, publicKey })
  }

  const sessionOf = (
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    dpopKey: DpopKeyJwks,
    previous?: SignedInSession,
  ): SignedInSession => {
    const claims = tokens.claims()
    const sub = claims?.sub ?? previous?.sub
    if (!sub) throw new TypeError('the token response carries no ID token')
    return {
      clientId: app.clientId,
      sub,
      name: typeof claims?.name === 'string' ? claims.name : (previous?.name ?? sub),
      accessToken: tokens.access_token,
      accessTokenExpiresAt: Date.now() + (tokens.expiresIn() ?? 60) * 1000,
      refreshToken: tokens.refresh_token ?? previous?.refreshToken,
      idToken: tokens.id_token ?? previous?.idToken,
      dpopKey,
    }
  }

  return {
    configuration: () => server.configuration(),
    dpopOf,
    async begin(returnTo, { acrValues } = {}) {
      const pending: PendingSignIn = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        returnTo,
        dpopKey: await newDpopKey(),
      }
      const url = await oidc.buildAuthorizationUrlWithPAR(
        await server.configuration(),
        {
          redirect_uri: redirectUri,
          scope: app.scope,
          resource: options.gatewayResource,
          code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
          code_challenge_method: 'S256',
          state: pending.state,
          nonce: pending.nonce,
          // OpenID Connect grants offline_access (a refresh token) only with prompt=consent.
          prompt: 'consent',
          ...(acrValues ? { acr_values: acrValues } : {}),
        },
        { DPoP: await dpopOf(pending) },
      )
      return { location: url.href, pending }
    },
    async complete(callbackUrl, pending) {
      const tokens = await oidc.authorizationCodeGrant(
        await server.configuration(),
        callbackUrl,
        {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
        { resource: options.gatewayResource },
        { DPoP: await dpopOf(pending) },
      )
      return sessionOf(tokens, pending.dpopKey)
    },
    async refresh(session) {
      if (!session.refreshToken) throw new TypeError('the session has no refresh token')
      const tokens = await oidc.refreshTokenGrant(
        await server.configuration(),
        session.refreshToken,
        { resource: options.gatewayResource },
        { DPoP: await dpopOf(session) },
      )
      return sessionOf(tokens, session.dpopKey, session)
    },
    async signOut(session, postLogoutRedirect) {
      const configuration = await server.configuration()
      if (session.refreshToken) {
        await oidc.tokenRevocation(configuration, session.refreshToken, {
          token_type_hint: 'refresh_token',
        })
      }
      return oidc.buildEndSessionUrl(configuration, {
        post_logout_redirect_uri: postLogoutRedirect,
        ...(session.idToken ? { id_token_hint: session.idToken } : {}),
      }).href
    },
  }
}
