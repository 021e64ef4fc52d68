/**
 * The identity of a placement request, derived with keys only this service holds (HKDF from its
 * data key, one key per purpose):
 *
 * - the order id: an HMAC of (customer, Idempotency-Key) shaped as a UUID (version 8), so every
 *   retry with the same key names the same order — here and at orders-api — and one customer's
 *   key can never collide with another's order;
 * - the request fingerprint: an HMAC of what was ordered and with which card, so a retry can be
 *   told from a different order under the same key without storing the card (a plain hash of a
 *   card number would be brute-forced in minutes).
 */
import { createHmac } from 'node:crypto'
import { derivePurposeKey, type DataKey } from '@mythical/service-kit'

/** What a placement request consists of, as far as sameness goes (the CVC is left out). */
export interface PlacementRequest {
  readonly items: readonly { readonly sku: string; readonly quantity: number }[]
  readonly card: { readonly number: string; readonly expMonth: number; readonly expYear: number }
}

export interface OrderIdentity {
  orderId(customer: string, idempotencyKey: string): string
  fingerprint(request: PlacementRequest): string
}

/**
 * @example
 * ```ts
 * const identity = orderIdentity(loadDataKey(config.SECRETS_DIR))
 * identity.orderId('katie', 'checkout-7f3c…') // the same UUID on every retry
 * ```
 */
export function orderIdentity(dataKey: DataKey): OrderIdentity {
  const idKey = derivePurposeKey(dataKey, 'order-fulfillment-api/order-id/v1').key
  const fingerprintKey = derivePurposeKey(
    dataKey,
    'order-fulfillment-api/request-fingerprint/v1',
  ).key
  return {
    orderId(customer, idempotencyKey) {
      const bytes = createHmac('sha256', idKey)
        .update(JSON.stringify([customer, idempotencyKey]))
        .digest()
        .subarray(0, 16)
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80 // version 8: custom
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80 // RFC 9562 variant
      const hex = bytes.toString('hex')
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    },
    fingerprint(request) {
      const canonical = JSON.stringify([
        request.items.map((item) => [item.sku, item.quantity]),
        request.card.number.replace(/[ -]/g, ''),
        request.card.expMonth,
        request.card.expYear,
      ])
      return createHmac('sha256', fingerprintKey).update(canonical).digest('base64url')
    },
  }
}
