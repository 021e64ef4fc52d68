/**
 * shipping-api's effect of `order.placed`: a parcel, filed under the customer's **pairwise
 * subject** — the `sub` partner-idp puts in her partner tokens, computed with the same shared
 * derivation and key (`@mythical/service-kit` `pairwiseSubject`, `SHARED_SECRETS`). The retail
 * `sub` of the projection is the derivation's input only: it is never stored or logged.
 *
 * Runs inside the event consumer's inbox transaction: the parcel, its first event and the inbox
 * row commit together.
 *
 * @module
 */
import type pg from 'pg'
import { CUSTOMER_SETTING } from '@mythical/db'
import { databaseOnlyEffect } from '@mythical/events'
import type { OrderPlacedForPartner, VerifiedEvent } from '@mythical/events'
import { pairwiseSubject, type PairwiseKey } from '@mythical/service-kit'
import { createParcel } from './parcel-store.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A signed projection that is not the shape this version of the partner understands. */
export class ParcelOrderInvalid extends Error {
  readonly code = 'SHIPPING_ERR_ORDER_INVALID'
  override readonly name = 'ParcelOrderInvalid'
}

/** Checks the fields a parcel needs; throws {@link ParcelOrderInvalid} naming the field. */
export function parcelOrderOf(data: Readonly<Record<string, unknown>>): OrderPlacedForPartner {
  const { orderId, customer, parcel } = data
  if (typeof orderId !== 'string' || !UUID.test(orderId)) {
    throw new ParcelOrderInvalid('"orderId" must be a UUID')
  }
  if (typeof customer !== 'string' || customer === '') {
    throw new ParcelOrderInvalid('"customer" must be a non-empty subject')
  }
  if (!Array.isArray(parcel) || parcel.length === 0) {
    throw new ParcelOrderInvalid('"parcel" must list at least one item')
  }
  return data as unknown as OrderPlacedForPartner
}

export interface ParcelFromOrderOptions {
  /** The shared pairwise key (`loadPairwiseKey(SECRETS_DIR)`). */
  readonly pairwiseKey: PairwiseKey
  /** The retail issuer whose subjects the projection names (partner-idp's federated issuer). */
  readonly retailIssuer: string
}

/**
 * The consumer's `handle`: derives the pairwise subject, opens her scope for this transaction
 * (row-level security), creates the parcel once per order.
 *
 * @example
 * ```ts
 * const handle = parcelFromOrder({ pairwiseKey: loadPairwiseKey(dir), retailIssuer: config.IDP_ISSUER })
 * ```
 */
export function parcelFromOrder(options: ParcelFromOrderOptions) {
  // Writes only to the inbox transaction (the derivation is local): a batch goes in one statement.
  return databaseOnlyEffect(async (event: VerifiedEvent, db: pg.PoolClient): Promise<void> => {
    const order = parcelOrderOf(event.data)
    const customerRef = pairwiseSubject(options.pairwiseKey, options.retailIssuer, order.customer)
    await db.query('SELECT set_config($1, $2, true)', [CUSTOMER_SETTING, customerRef])
    await createParcel(db, customerRef, order.orderId)
  })
}
