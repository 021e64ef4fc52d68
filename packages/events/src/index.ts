/**
 * `@mythical/events`: business events signed by their publisher and encrypted to each authorized
 * subscriber (jose), published from a transactional outbox with publisher confirms, consumed into
 * an inbox exactly once, anything that fails verification dead-lettered with its reason.
 *
 * @module
 */
export { createEventSealer, CONTENT_ENCRYPTION } from './seal-event.ts'
export type { EventAudience, EventSealerOptions, SealedEventBody } from './seal-event.ts'
export { createEventOpener, DEFAULT_MAX_EVENT_AGE_SECONDS } from './open-event.ts'
export type { EventOpenerOptions } from './open-event.ts'
export { EVENT_CLAIMS, EVENT_JWT_TYPE } from './event.ts'
export type { BusinessEvent, VerifiedEvent } from './event.ts'
export {
  loadDecryptionKey,
  loadRecipientKeys,
  loadSigningKey,
  loadVerificationKeys,
} from './keys.ts'
export type { NamedKey } from './keys.ts'
export {
  ORDER_PLACED,
  ORDER_PLACED_SUBSCRIBERS,
  RETAIL_AUDIENCE,
  SHIPPING_PARTNER_AUDIENCE,
  retailProjection,
  shippingPartnerProjection,
} from './order-placed.ts'
export type { OrderPlaced, OrderPlacedForPartner, OrderPlacedItem } from './order-placed.ts'
export { EventKeysInvalid, EventNotConfirmed, EventRejected, EventsError } from './errors.ts'
export type { EventRejectionReason, EventsErrorCode } from './errors.ts'
export { consumeEvents, DEFAULT_PREFETCH, REJECTION_HEADERS } from './consume-events.ts'
export { databaseOnlyEffect } from './database-only-effect.ts'
export type { InboxEffect } from './database-only-effect.ts'
export type { DeliveryOutcome, EventConsumer, EventConsumerOptions } from './consume-events.ts'
export { createOutboxRelay, DEFAULT_RELAY_BATCH } from './outbox-relay.ts'
export type { OutboxRelay, OutboxRelayOptions } from './outbox-relay.ts'
export {
  ORDER_PLACED_PUBLISHER,
  orderPlacedPublisherId,
  ORDERS_EXCHANGE,
  orderPlacedOpener,
  orderPlacedQueue,
  orderPlacedSealer,
  runOrderPlacedRelay,
  runOrderPlacedSubscriber,
  startOrderPlacedRelay,
  startOrderPlacedSubscriber,
} from './order-placed-endpoints.ts'
export type {
  EventServiceConfig,
  OrderPlacedSubscriber,
  RelayLoopOptions,
  SubscriberLoopOptions,
} from './order-placed-endpoints.ts'
