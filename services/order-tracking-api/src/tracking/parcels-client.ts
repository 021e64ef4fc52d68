/**
 * order-tracking-api's client of shipping-api, the owner of the parcels: mTLS with its own
 * workload certificate (the call graph's `order-tracking-api → shipping-api`, workload identity),
 * shipping-api authenticated by its SPIFFE id under the shipping CA. It asks for the parcels of
 * one order *of one pairwise subject* — the subject of a partner token verified just before;
 * shipping-api's row-level security does the rest.
 *
 * @module
 */
import { ServiceUnavailable } from '@mythical/problem'
import { request, type Dispatcher } from 'undici'

/** A parcel as shipping-api answers it (and this API relays it). */
export interface Parcel {
  readonly orderId: string
  readonly status: string
  readonly events: readonly { readonly status: string; readonly at: string }[]
}

/** The parcels of the order, or `undefined`: none for this subject (another's order, or none yet). */
export type ParcelLookup = (subject: string, orderId: string) => Promise<Parcel[] | undefined>

/** Milliseconds before shipping-api is given up on (the answer is then 503, never stale data). */
const TIMEOUT_MS = 5_000

/** Only the contract's fields are relayed: nothing shipping-api adds later leaks out by accident. */
function parcelsOf(body: unknown): Parcel[] {
  const parcels = (body as { parcels?: unknown }).parcels
  if (!Array.isArray(parcels)) throw new TypeError('shipping-api answered without "parcels"')
  return parcels.map((raw: Parcel) => ({
    orderId: String(raw.orderId),
    status: String(raw.status),
    events: Array.isArray(raw.events)
      ? raw.events.map((e) => ({ status: String(e.status), at: String(e.at) }))
      : [],
  }))
}

/**
 * @example
 * ```ts
 * const lookup = createParcelLookup(config.SHIPPING_API_URL, createMtlsAgent(identity, { allowedServerIds }))
 * const parcels = await lookup(caller.subject, orderId)
 * ```
 */
export function createParcelLookup(shippingApiUrl: string, dispatcher: Dispatcher): ParcelLookup {
  return async (subject, orderId) => {
    const url = new URL(`/customers/${encodeURIComponent(subject)}/parcels`, shippingApiUrl)
    url.searchParams.set('order', orderId)
    let response
    try {
      response = await request(url, {
        dispatcher,
        headers: { accept: 'application/json' },
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      })
    } catch (cause) {
      throw new ServiceUnavailable('parcel tracking is unavailable', { cause })
    }
    const body: unknown = await response.body.json().catch(() => ({}))
    if (response.statusCode === 404) return undefined
    if (response.statusCode !== 200) {
      throw new ServiceUnavailable('parcel tracking is unavailable', {
        cause: new Error(`shipping-api answered ${response.statusCode}`),
      })
    }
    try {
      return parcelsOf(body)
    } catch (cause) {
      throw new ServiceUnavailable('parcel tracking is unavailable', { cause })
    }
  }
}
