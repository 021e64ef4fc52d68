/**
 * What the settlement suites share: the real card vault (tokenization-api) as its own process,
 * its readiness probed over mTLS with payments-api's cardvault certificate, and orders whose card
 * the vault really tokenized, as order-fulfillment-api writes them.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Card, CardVaultClient } from '@mythical/cardvault-client'
import type { OrderPlaced } from '@mythical/events'
import { SECRET_FILES, stackPaths } from '@mythical/stack'
import { startServiceProcess, type ServiceProcess } from '@mythical/testing'

/** A Luhn-valid Visa test number the simulated acquirer settles. */
export const TEST_PAN = '4111111111111111'

const cardvaultCertOf = (service: string) => {
  const dir = join(stackPaths().secrets(service), 'cardvault')
  return {
    cert: readFileSync(join(dir, SECRET_FILES.tlsCert), 'utf8'),
    key: readFileSync(join(dir, SECRET_FILES.tlsKey), 'utf8'),
  }
}

/** Starts tokenization-api on `port` and waits until it answers `/healthz`. */
export const startCardVault = (port: number): Promise<ServiceProcess> =>
  startServiceProcess(
    'tokenization-api',
    { PORT: String(port), LOG_LEVEL: 'info' },
    `https://127.0.0.1:${port}/healthz`,
    60_000,
    cardvaultCertOf('payments-api'),
  )

/** An order of `customer` as order-fulfillment-api writes it, with a card the vault tokenized. */
export async function tokenizedOrder(
  tokenizer: Pick<CardVaultClient, 'tokenize'>,
  customer: string,
  card: Card = { number: TEST_PAN, expMonth: 12, expYear: 2030 },
): Promise<OrderPlaced> {
  return {
    version: 1,
    orderId: randomUUID(),
    customer,
    items: [{ sku: 'SHOE-1', quantity: 2, priceCents: 2450 }],
    totalCents: 4900,
    currency: 'EUR',
    card: await tokenizer.tokenize(card),
    traceId: randomBytes(16).toString('hex'),
    placedAt: new Date().toISOString(),
  }
}
