/**
 * `POST /tokens` (order-fulfillment-api): a card in, a format-preserving token out. Request
 * claims `{ card: { number, expMonth, expYear } }` — no CVC: the vault never takes or stores it.
 * Answer (201, signed): `{ token, brand, last4 }`.
 */
import { parseCardExpiry, parseCardNumber } from '../card-number.ts'
import type { SealedRouteOptions, Vault } from '../sealed-route.ts'
import { signAnswer } from '../vault-answer.ts'
import { VAULT_REASONS, VaultCardInvalid, VaultRefusal } from '../vault-problems.ts'

/** The only client that may tokenize cards. */
const TOKENIZING_CLIENTS = ['order-fulfillment-api'] as const

export function tokensRoute(vault: Vault): SealedRouteOptions {
  return {
    route: 'POST /tokens',
    callers: TOKENIZING_CLIENTS,
    async handle(request, client) {
      const card = request.claims.card as Record<string, unknown> | undefined
      const number = parseCardNumber(card?.number)
      const expiry = parseCardExpiry(card?.expMonth, card?.expYear)
      if (!number || !expiry) {
        throw new VaultRefusal(VAULT_REASONS.cardInvalid, VaultCardInvalid, request.requestId)
      }
      const issued = await vault.store.tokenize(number, expiry, client.peerId)
      const jwt = await signAnswer(
        { token: issued.token, brand: issued.brand, last4: issued.last4 },
        { ...vault, client, requestId: request.requestId },
      )
      return { status: 201, jwt }
    },
  }
}
