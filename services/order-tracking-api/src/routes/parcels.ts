/**
 * `GET /parcels?order={orderId}` (public contract, TB10): the parcels of one order, for the
 * customer a partner token names — by her pairwise subject, the only identity the partner has
 * for her. Another customer's order and an order without a parcel look the same: 404.
 *
 * @module
 */
import type { AuditLogger } from '@mythical/audit'
import { defineProblem, ValidationFailed } from '@mythical/problem'
import { HOP_REASONS } from '@mythical/service-kit'
import type { RequestHandler } from 'express'
import type { ParcelLookup } from '../tracking/parcels-client.ts'
import {
  auditRefusal,
  checkPartnerToken,
  PartnerTokenRefused,
  type PartnerTokenCheckOptions,
} from '../tracking/partner-token.ts'

/** 404: no parcel of this order for the token's customer (someone else's order, or none yet). */
export const ParcelNotFound = defineProblem('ZT_ERR_PARCEL_NOT_FOUND', 404, 'Parcel not found')

export const PARCEL_REASONS = {
  notFound: 'parcel.not_found',
  invalidQuery: 'request.invalid',
} as const

const ROUTE = 'GET /parcels'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface ParcelsRouteOptions extends PartnerTokenCheckOptions {
  readonly audit: AuditLogger
  readonly lookup: ParcelLookup
}

export function parcelsRoute(options: ParcelsRouteOptions): RequestHandler {
  const { audit, lookup } = options
  return async (req, res) => {
    const base = { traceId: req.traceContext.traceId, route: ROUTE }
    let caller
    try {
      caller = await checkPartnerToken(req.headers.authorization, options)
    } catch (error) {
      if (error instanceof PartnerTokenRefused) throw auditRefusal(audit, error, base)
      throw error
    }
    const who = {
      ...base,
      boundary: 'TB10' as const,
      subject: caller.subject,
      scope: caller.scope,
      ...(caller.client ? { client: caller.client } : {}),
      ...(caller.tokenId ? { tokenId: caller.tokenId } : {}),
    }
    const order = req.query.order
    if (typeof order !== 'string' || !UUID.test(order)) {
      audit.decision({ ...who, decision: 'deny', reason: PARCEL_REASONS.invalidQuery, status: 400 })
      throw new ValidationFailed('"order" must be one order id (a UUID)')
    }
    const parcels = await lookup(caller.subject, order)
    if (parcels === undefined) {
      audit.decision({ ...who, decision: 'deny', reason: PARCEL_REASONS.notFound, status: 404 })
      throw new ParcelNotFound('no parcel of this order for this customer')
    }
    audit.decision({ ...who, decision: 'allow', reason: HOP_REASONS.allowed, status: 200 })
    res.json({ parcels })
  }
}
