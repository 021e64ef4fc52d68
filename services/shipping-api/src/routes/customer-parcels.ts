/**
 * `GET /customers/{subject}/parcels?order={orderId}`: a customer's parcels of one order, for
 * order-tracking-api only (mTLS allow-list from the call graph). The subject is the pairwise
 * subject order-tracking-api took from a partner token it verified; the query runs in that
 * customer's row-level-security scope, so another customer's order is simply not there (404).
 *
 * @module
 */
import type { AuditLogger } from '@mythical/audit'
import { withCustomerScope } from '@mythical/db'
import { defineProblem, ValidationFailed } from '@mythical/problem'
import type { RequestHandler } from 'express'
import type pg from 'pg'
import { parcelsOfOrder } from '../parcels/parcel-store.ts'

/** 404: no parcel of this order for this customer (none yet, or someone else's order). */
export const ParcelNotFound = defineProblem('ZT_ERR_PARCEL_NOT_FOUND', 404, 'Parcel not found')

/** Audit reasons of this route's data decisions (the peer decision is `allowCallers`'). */
export const PARCEL_REASONS = {
  found: 'parcels.found',
  notFound: 'parcels.not_found',
} as const

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** A pairwise subject: base64url of an HMAC-SHA256 (43 characters). */
const PAIRWISE_SUBJECT = /^[A-Za-z0-9_-]{43}$/

export function customerParcelsRoute(pool: pg.Pool, audit: AuditLogger): RequestHandler {
  return async (req, res) => {
    const subject = req.params.subject
    const order = req.query.order
    if (typeof subject !== 'string' || !PAIRWISE_SUBJECT.test(subject)) {
      throw new ValidationFailed('the customer must be a pairwise subject')
    }
    if (typeof order !== 'string' || !UUID.test(order)) {
      throw new ValidationFailed('"order" must be one order id (a UUID)')
    }
    const parcels = await withCustomerScope(pool, subject, (db) => parcelsOfOrder(db, order))
    const found = parcels.length > 0
    audit.decision({
      traceId: req.traceContext.traceId,
      route: 'GET /customers/{subject}/parcels',
      ...(req.peerId ? { caller: req.peerId } : {}),
      subject,
      decision: found ? 'allow' : 'deny',
      reason: found ? PARCEL_REASONS.found : PARCEL_REASONS.notFound,
    })
    if (!found) throw new ParcelNotFound('no parcel of this order for this customer')
    res.json({ parcels })
  }
}
