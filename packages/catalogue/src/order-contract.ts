/**
 * The order contract (`POST /shopping/me/orders` at the edge, `POST /orders` at the process API):
 * one body schema and one `Idempotency-Key` rule, so my-shopping-api and order-fulfillment-api
 * refuse the same requests with the same problem codes. Lines are bounded by the catalogue's own
 * limits; prices are never part of the body (the catalogue prices an order).
 */
import { defineProblem } from '@mythical/problem'
import { MAX_ORDER_LINES, MAX_QUANTITY } from './pricing.ts'

/** 400: an order placed without a usable `Idempotency-Key`. */
export const IdempotencyKeyRequired = defineProblem(
  'ZT_ERR_IDEMPOTENCY_KEY_REQUIRED',
  400,
  'Idempotency-Key header required',
)

/** Printable ASCII, no spaces: long enough to be unique, short enough to store. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,128}$/

/**
 * The request's `Idempotency-Key`, or {@link IdempotencyKeyRequired} when it is missing or not
 * 8 to 128 printable characters.
 *
 * @example idempotencyKeyOf(request.headers['idempotency-key']) // 'checkout-7f3c…'
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string {
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new IdempotencyKeyRequired('send an Idempotency-Key of 8 to 128 printable characters')
  }
  return header
}

/** What a client sends to place an order (JSON Schema, for a fastify route's `schema.body`). */
export const ORDER_REQUEST_SCHEMA = {
  type: 'object',
  required: ['items', 'card'],
  additionalProperties: false,
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_ORDER_LINES,
      items: {
        type: 'object',
        required: ['sku', 'quantity'],
        additionalProperties: false,
        properties: {
          sku: { type: 'string', pattern: '^sku-[a-z0-9-]{1,60}$' },
          quantity: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY },
        },
      },
    },
    card: {
      type: 'object',
      required: ['number', 'expMonth', 'expYear', 'cvc'],
      additionalProperties: false,
      properties: {
        number: { type: 'string', pattern: '^[0-9 ]{12,23}$' },
        expMonth: { type: 'integer', minimum: 1, maximum: 12 },
        expYear: { type: 'integer', minimum: 2000, maximum: 2100 },
        cvc: { type: 'string', pattern: '^[0-9]{3,4}$' },
      },
    },
  },
} as const

/** The body {@link ORDER_REQUEST_SCHEMA} admits. */
export interface OrderRequest {
  readonly items: readonly { readonly sku: string; readonly quantity: number }[]
  readonly card: {
    readonly number: string
    readonly expMonth: number
    readonly expYear: number
    readonly cvc: string
  }
}
