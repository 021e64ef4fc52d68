/**
 * `POST /detokenize` (payments-api only, which settles with the card): request claims
 * `{ token }`; answer (200) signed by the vault and then encrypted to payments-api's published
 * key: `{ card: { number, expMonth, expYear } }`. A token the vault never issued: 404.
 */
import type { SealedRouteOptions, Vault } from '../sealed-route.ts'
import { signAndEncryptAnswer } from '../vault-answer.ts'
import { VAULT_REASONS, VaultRefusal, VaultTokenUnknown } from '../vault-problems.ts'

/** The only client that may turn a token back into a card. */
const DETOKENIZING_CLIENTS = ['payments-api'] as const

export function detokenizeRoute(vault: Vault): SealedRouteOptions {
  return {
    route: 'POST /detokenize',
    callers: DETOKENIZING_CLIENTS,
    async handle(request, client) {
      const token = request.claims.token
      const card = typeof token === 'string' ? await vault.store.detokenize(token) : undefined
      if (!card) {
        throw new VaultRefusal(VAULT_REASONS.tokenUnknown, VaultTokenUnknown, request.requestId)
      }
      const jwt = await signAndEncryptAnswer(
        { card },
        { ...vault, client, requestId: request.requestId },
      )
      return { status: 200, jwt }
    },
  }
}
