/**
 * Where each party of `order.placed` finds its keys, and the long-running relay and subscriber
 * loops the services start at boot. Keys are loaded once here; the loops reconnect to the broker
 * (fail closed: while it is unreachable nothing is published or consumed, the outbox and the
 * queues keep everything).
 *
 * @module
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ChannelModel } from 'amqplib'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import type { AuditLogger } from '@mythical/audit'
import { connectBroker } from '@mythical/broker'
import { createDatabasePool } from '@mythical/db'
import { SECRET_FILES, serviceByName, workloadId } from '@mythical/stack'
import { consumeEvents } from './consume-events.ts'
import type { EventConsumerOptions } from './consume-events.ts'
import {
  loadDecryptionKey,
  loadRecipientKeys,
  loadSigningKey,
  loadVerificationKeys,
} from './keys.ts'
import { createEventOpener } from './open-event.ts'
import {
  ORDER_PLACED,
  ORDER_PLACED_SUBSCRIBERS,
  RETAIL_AUDIENCE,
  retailProjection,
  SHIPPING_PARTNER_AUDIENCE,
  shippingPartnerProjection,
} from './order-placed.ts'
import { createOutboxRelay } from './outbox-relay.ts'
import { createEventSealer } from './seal-event.ts'

/** The one publisher of `order.placed` and its exchange. */
export const ORDER_PLACED_PUBLISHER = 'order-fulfillment-api'
export const ORDERS_EXCHANGE = 'orders'

export type OrderPlacedSubscriber = keyof typeof ORDER_PLACED_SUBSCRIBERS

/** A service's published JWKS inside the public `pki/` folder (`PKI_DIR`). */
const publishedJwks = (pkiDir: string, service: string): string =>
  join(pkiDir, serviceByName(service).domain, 'jwks', `${service}.json`)

/** The publisher's workload id (`iss` of every `order.placed`). */
export const orderPlacedPublisherId = (): string =>
  workloadId(serviceByName(ORDER_PLACED_PUBLISHER).domain, ORDER_PLACED_PUBLISHER)

/** The publisher's sealer: its own signing and ECDH keys, every subscriber's published `enc` keys. */
export async function orderPlacedSealer(secretsDir: string, pkiDir: string) {
  const recipientsOf = async (audience: string) =>
    (
      await Promise.all(
        Object.entries(ORDER_PLACED_SUBSCRIBERS)
          .filter(([, a]) => a === audience)
          .map(([service]) => loadRecipientKeys(publishedJwks(pkiDir, service))),
      )
    ).flat()
  return createEventSealer({
    issuer: orderPlacedPublisherId(),
    signingKey: await loadSigningKey(join(secretsDir, SECRET_FILES.signingKey)),
    agreementKey: await loadDecryptionKey(join(secretsDir, SECRET_FILES.encryptionKey)),
    audiences: [
      {
        name: RETAIL_AUDIENCE,
        recipients: await recipientsOf(RETAIL_AUDIENCE),
        project: retailProjection,
      },
      {
        name: SHIPPING_PARTNER_AUDIENCE,
        recipients: await recipientsOf(SHIPPING_PARTNER_AUDIENCE),
        project: shippingPartnerProjection,
      },
    ],
  })
}

/** A subscriber's opener: its own ECDH key, the publisher's published JWKS (`sig` and `enc` keys). */
export async function orderPlacedOpener(
  service: OrderPlacedSubscriber,
  secretsDir: string,
  pkiDir: string,
) {
  return createEventOpener({
    issuer: orderPlacedPublisherId(),
    audience: ORDER_PLACED_SUBSCRIBERS[service],
    decryptionKeys: [await loadDecryptionKey(join(secretsDir, SECRET_FILES.encryptionKey))],
    publisherAgreementKeys: await loadRecipientKeys(publishedJwks(pkiDir, ORDER_PLACED_PUBLISHER)),
    verificationKeys: await loadVerificationKeys(publishedJwks(pkiDir, ORDER_PLACED_PUBLISHER)),
    types: [ORDER_PLACED],
  })
}

/** A subscriber's own queue (declared by the broker definitions, never by the service). */
export const orderPlacedQueue = (service: OrderPlacedSubscriber): string =>
  `${service}.order-placed`

/** Pause before reconnecting to the broker, and between empty relay polls. */
const RETRY_MS = 2_000

interface Loop {
  stop(): Promise<void>
}

/** Runs `session` on a fresh connection until it ends or fails, then reconnects, until stopped. */
function reconnecting(
  connect: () => Promise<ChannelModel>,
  log: AuditLogger['logger'],
  what: string,
  session: (conn: ChannelModel, stopped: AbortSignal) => Promise<void>,
): Loop {
  const controller = new AbortController()
  const aborted = new Promise<void>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve(), { once: true }),
  )
  const loop = (async () => {
    while (!controller.signal.aborted) {
      let conn: ChannelModel | undefined
      try {
        conn = await connect()
        const closed = new Promise<void>((resolve) => conn?.once('close', () => resolve()))
        conn.on('error', (err: unknown) => log.warn({ err }, `${what}: broker connection error`))
        await session(conn, controller.signal)
        await Promise.race([closed, aborted])
      } catch (err) {
        log.warn({ err }, `${what}: broker unavailable, retrying`)
      }
      await conn?.close().catch(() => {})
      if (!controller.signal.aborted) await sleep(RETRY_MS).catch(() => {})
    }
  })()
  return {
    async stop() {
      controller.abort()
      await loop
    },
  }
}

export interface SubscriberLoopOptions extends Pick<
  EventConsumerOptions,
  'pool' | 'handle' | 'audit'
> {
  readonly service: OrderPlacedSubscriber
  readonly secretsDir: string
  readonly pkiDir: string
  /** Its own broker connection, e.g. `() => connectBroker(config.SECRETS_DIR)`. */
  readonly connect: () => Promise<ChannelModel>
}

/**
 * A subscriber's consumer of `order.placed`, reconnecting while the service runs.
 *
 * @example
 * ```ts
 * const subscriber = await startOrderPlacedSubscriber({ service: 'customers-api', secretsDir, pkiDir, pool, handle: earnLoyaltyPoints, audit, connect })
 * ```
 */
export async function startOrderPlacedSubscriber(options: SubscriberLoopOptions): Promise<Loop> {
  const open = await orderPlacedOpener(options.service, options.secretsDir, options.pkiDir)
  return reconnecting(
    options.connect,
    options.audit.logger,
    options.service,
    async (conn, stopped) => {
      // Confirms: a refused message is dead-lettered with its reason before its ack.
      const channel = await conn.createConfirmChannel()
      channel.on('error', (err: unknown) =>
        options.audit.logger.warn({ err }, 'consumer channel error'),
      )
      const consumer = await consumeEvents({
        channel,
        queue: orderPlacedQueue(options.service),
        open,
        pool: options.pool,
        handle: options.handle,
        audit: options.audit,
      })
      stopped.addEventListener('abort', () => void consumer.stop().catch(() => {}))
    },
  )
}

export interface RelayLoopOptions {
  readonly secretsDir: string
  readonly pkiDir: string
  readonly pool: pg.Pool
  readonly connect: () => Promise<ChannelModel>
  readonly log: AuditLogger['logger']
}

/**
 * order-fulfillment-api's relay: publishes pending outbox rows batch after batch, polls every
 * 2 s when there are none, reconnects after a broker failure (the batch it was on is published
 * again: the inboxes absorb the duplicates).
 */
export async function startOrderPlacedRelay(options: RelayLoopOptions): Promise<Loop> {
  const seal = await orderPlacedSealer(options.secretsDir, options.pkiDir)
  return reconnecting(options.connect, options.log, 'outbox relay', async (conn, stopped) => {
    const channel = await conn.createConfirmChannel()
    channel.on('error', (err: unknown) => options.log.warn({ err }, 'relay channel error'))
    const relay = createOutboxRelay({
      pool: options.pool,
      channel,
      exchange: ORDERS_EXCHANGE,
      seal,
      publisher: orderPlacedPublisherId(),
    })
    while (!stopped.aborted) {
      const published = await relay.publishPending()
      if (published === 0) await sleep(RETRY_MS, undefined, { signal: stopped }).catch(() => {})
    }
  })
}

/** The common service variables the loops need (`serviceConfigSchema`). */
export interface EventServiceConfig {
  readonly SECRETS_DIR: string
  readonly PKI_DIR: string
  readonly LOG_LEVEL: string
}

/** Its own broker connection; the partner's services pin the retail CA that issued the broker's. */
const brokerConnection = (service: string, config: EventServiceConfig) => () =>
  connectBroker(config.SECRETS_DIR, {
    clientName: service,
    ...(serviceByName(service).domain === 'retail'
      ? {}
      : { serverCaFile: join(config.PKI_DIR, 'retail', 'ca.pem') }),
  })

/**
 * Boot wiring of a subscriber service: its own database pool, audit logger and broker connection.
 *
 * @example
 * ```ts
 * await runOrderPlacedSubscriber('customers-api', config, earnLoyaltyPoints)
 * ```
 */
export function runOrderPlacedSubscriber(
  service: OrderPlacedSubscriber,
  config: EventServiceConfig,
  handle: EventConsumerOptions['handle'],
): Promise<Loop> {
  return startOrderPlacedSubscriber({
    service,
    secretsDir: config.SECRETS_DIR,
    pkiDir: config.PKI_DIR,
    pool: createDatabasePool(config.SECRETS_DIR),
    handle,
    audit: createAuditLogger({ service, level: config.LOG_LEVEL }),
    connect: brokerConnection(service, config),
  })
}

/** Boot wiring of order-fulfillment-api's relay. */
export function runOrderPlacedRelay(config: EventServiceConfig): Promise<Loop> {
  return startOrderPlacedRelay({
    secretsDir: config.SECRETS_DIR,
    pkiDir: config.PKI_DIR,
    pool: createDatabasePool(config.SECRETS_DIR),
    connect: brokerConnection(ORDER_PLACED_PUBLISHER, config),
    log: createAuditLogger({ service: ORDER_PLACED_PUBLISHER, level: config.LOG_LEVEL }).logger,
  })
}
