/**
 * my-shopping-api over real mTLS between real listeners, with test doubles of the next hops
 * (built on the same hop kit, so they verify what my-shopping-api sends them) and a test issuer
 * in place of the IdP: the gateway's phantom JWT in, exchanged tokens out.
 */
import type { AddressInfo } from 'node:net'
import { createAuditLogger } from '@mythical/audit'
import {
  createHopTestClient,
  createTestIssuer,
  createTestSecrets,
  startTestHop,
  testServiceEnv,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

/** Log lines a service wrote (audit records included), parsed. */
export type Lines = Record<string, unknown>[]

function capture(service: string) {
  const lines: Lines = []
  const raw: string[] = []
  const audit = createAuditLogger({
    service,
    level: 'info',
    destination: {
      write: (line: string) => {
        raw.push(line)
        lines.push(JSON.parse(line) as Record<string, unknown>)
      },
    },
  })
  return { audit, lines, raw }
}

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** An order as the order-fulfillment-api double keeps it. */
interface StoredOrder {
  owner: string
  key: string
  order: Record<string, unknown>
}

function customersRoutes(app: FastifyInstance) {
  const read = { config: { access: { scopes: ['customers:read'] } } }
  app.get('/customers/me', read, async (r) => ({
    sub: r.access?.subject,
    name: 'Katie',
    email: 'katie@example.com',
    internalId: 42,
  }))
  app.get('/customers/me/loyalty', read, async () => ({
    points: 12,
    history: [{ orderId: 'o-1', points: 12, at: '2026-11-01' }],
  }))
}

function recommendationRoutes(app: FastifyInstance) {
  app.get(
    '/recommendations/me',
    { config: { access: { scopes: ['recommendations:read'] } } },
    async () => ({ products: [{ sku: 'sku-tent', name: 'Two-person tent', reason: 'popular' }] }),
  )
}

/** Orders per subject; the same Idempotency-Key from the same subject gives the same order. */
function fulfillmentRoutes(app: FastifyInstance) {
  const orders = new Map<string, StoredOrder>()
  const read = { config: { access: { scopes: ['orders:read'] } } }
  app.get('/orders', read, async (r) => ({
    orders: [...orders.values()].filter((o) => o.owner === r.access?.subject).map((o) => o.order),
  }))
  app.get<{ Params: { id: string } }>('/orders/:id', read, async (r, reply) => {
    const stored = orders.get(r.params.id)
    if (!stored || stored.owner !== r.access?.subject) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ status: 404, code: 'ZT_ERR_NOT_FOUND', title: 'Not found' })
    }
    return stored.order
  })
  app.post<{ Body: { items: { sku: string; quantity: number }[] } }>(
    '/orders',
    { config: { access: { scopes: ['orders:write'] } } },
    async (r, reply) => {
      const key = String(r.headers['idempotency-key'])
      const owner = r.access?.subject ?? ''
      const again = [...orders.values()].find((o) => o.key === key && o.owner === owner)
      if (again) return reply.code(200).send(again.order)
      const id = `o-${orders.size + 1}`
      const order = {
        id,
        status: 'placed',
        items: r.body.items.map((i) => ({ ...i, priceCents: 100 })),
        totalCents: 100,
        currency: 'EUR',
        card: { brand: 'visa', last4: '1111', token: 'tok_4111110000001111' },
        traceId: 't',
        createdAt: '2026-11-30T08:00:00Z',
      }
      orders.set(id, { owner, key, order })
      return reply.code(201).send(order)
    },
  )
}

/** The running test bed. */
export async function startShoppingApi() {
  const idp = await createTestIssuer()
  const api = await createTestSecrets('my-shopping-api')
  const gateway = await createTestSecrets('gateway', { ca: api.ca })
  const web = await createTestSecrets('web', { ca: api.ca })
  const ca = api.ca
  const next = {
    'customers-api': await startTestHop('customers-api', { ca, idp, routes: customersRoutes }),
    'recommendations-api': await startTestHop('recommendations-api', {
      ca,
      idp,
      routes: recommendationRoutes,
    }),
    'order-fulfillment-api': await startTestHop('order-fulfillment-api', {
      ca,
      idp,
      routes: fulfillmentRoutes,
    }),
  }
  const log = capture('my-shopping-api')
  const tokens = idp.tokenClient(api.identity)
  const app = await buildApp(
    loadServiceConfig(
      testServiceEnv('my-shopping-api', api.dir, {
        IDP_ISSUER: idp.issuer,
        IDP_URL: 'https://127.0.0.1:1',
        CUSTOMERS_API_URL: next['customers-api'].url,
        RECOMMENDATIONS_API_URL: next['recommendations-api'].url,
        ORDER_FULFILLMENT_API_URL: next['order-fulfillment-api'].url,
      }),
    ),
    { keys: idp.keys, audit: log.audit, tokens },
  )
  const url = await listen(app)
  const client = createHopTestClient(url, { gateway: gateway.identity, web: web.identity }, () =>
    log.lines.filter((l) => l.audit === true),
  )

  /** The gateway's phantom JWT for `sub`, bound to the gateway's certificate. */
  const phantom = (
    options: { sub?: string; scope?: string; boundTo?: TestSecrets; audience?: string } = {},
  ) =>
    idp.mint({
      audience: options.audience ?? 'my-shopping-api',
      boundTo: (options.boundTo ?? gateway).identity,
      sub: options.sub ?? 'katie',
      clientId: 'gateway',
      scope: options.scope ?? 'orders:read orders:write customers:read recommendations:read',
      act: { sub: gateway.identity.spiffeId },
    })

  /**
   * The gateway's own `client_credentials` JWT (anonymous browsing): `sub` = the client, no
   * `act`, as the IdP issues it.
   */
  const machine = (scope = 'catalogue:read') =>
    idp.mint({
      audience: 'my-shopping-api',
      boundTo: gateway.identity,
      sub: 'gateway',
      clientId: 'gateway',
      scope,
    })

  return {
    idp,
    tokens,
    web,
    next,
    log,
    phantom,
    machine,
    call: client.call,
    close: async () => {
      await client.close()
      await app.close()
      await Promise.all(Object.values(next).map((hop) => hop.close()))
      for (const s of [api, gateway, web]) s.cleanup()
    },
  }
}
