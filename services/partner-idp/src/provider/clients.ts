/**
 * Clients registered at the partner IdP. One: Mythical Retail's `web` BFF, which exchanges its
 * users' retail tokens for partner tokens. It authenticates with `private_key_jwt` against the
 * public JWKS Mythical Retail published for it — the partner holds no secret of the retailer.
 */
import { readFile } from 'node:fs/promises'
import type { ClientMetadata, JWK } from 'oidc-provider'
import { TOKEN_EXCHANGE_GRANT } from '../grants/federated-token-exchange.ts'

/** Client id Mythical Retail's web uses at the partner (`iss`/`sub` of its client assertions). */
export const RETAIL_WEB_CLIENT_ID = 'web'

/**
 * Builds the `web` client from its published JWKS, keeping only public signature keys.
 *
 * @example
 *   const web = await loadRetailWebClient(config.retail.webClientJwksFile)
 */
export async function loadRetailWebClient(jwksFile: string): Promise<ClientMetadata> {
  const { keys } = JSON.parse(await readFile(jwksFile, 'utf8')) as { keys?: JWK[] }
  if (!Array.isArray(keys)) throw new TypeError(`${jwksFile} is not a JWKS`)
  if (keys.some((key) => 'd' in key)) {
    // A private key here means someone published the wrong file: refuse to start.
    throw new TypeError(`${jwksFile} contains private key material`)
  }
  const signatureKeys = keys.filter((key) => key.use === undefined || key.use === 'sig')
  if (signatureKeys.length === 0) throw new TypeError(`${jwksFile} has no signature key`)
  return {
    client_id: RETAIL_WEB_CLIENT_ID,
    client_name: 'Mythical Retail web (federation)',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: signatureKeys },
    grant_types: [TOKEN_EXCHANGE_GRANT],
    response_types: [],
    redirect_uris: [],
  }
}
