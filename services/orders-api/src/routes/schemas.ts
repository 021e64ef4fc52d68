/**
 * JSON schemas of the orders-api bodies (docs/internal-apis.md). Tight on purpose: a card is only
 * ever a brand and four digits here, ids are UUIDs, trace ids W3C trace-ids.
 */

export const orderIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const

export const newOrderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'items', 'totalCents', 'currency', 'card', 'traceId'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity', 'priceCents'],
        properties: {
          sku: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
          quantity: { type: 'integer', minimum: 1, maximum: 99 },
          priceCents: { type: 'integer', minimum: 0, maximum: 10_000_000 },
        },
      },
    },
    totalCents: { type: 'integer', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    card: {
      type: 'object',
      additionalProperties: false,
      required: ['brand', 'last4'],
      properties: {
        brand: { type: 'string', pattern: '^[a-z]{2,16}$' },
        last4: { type: 'string', pattern: '^[0-9]{4}$' },
      },
    },
    traceId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
  },
} as const
