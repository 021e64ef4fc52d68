/**
 * my-shopping-api over real mTLS between real listeners, with test doubles of the next hops
 * (built on the same hop kit, so they verify what my-shopping-api sends them) and a test issuer
 * in place of the IdP: the gateway's phantom JWT in, exchanged tokens out.
 */
import type { AddressInfo } from 'node:net'
import { createAuditLogger } from '@mythical/audit'
import { createHopService } from '@mythical/service-kit'
import {
  createTestIssuer,
  createTestSecrets,
  testServiceEnv,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import { createMtlsAgent } from '@mythical/mtls'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
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

/** What a double of a next hop saw. */
export interface Seen {
  subject?: string
  act?: unknown
  scopes?: readonly string[]
  idempotencyKey?: string
  body?: unknown
}

/** An order as the order-fulfillment-api double keeps it. */
interface StoredOrder {
  owner: string
  key: string
  order: Record<string, unknown>
}

async function doubles(ca: TestSecrets['ca'], idp: Awaited<ReturnType<typeof createTestIssuer>>) {
  const seen: Record<string, Seen> = {}
  const apps: FastifyInstance[] = []
  const secrets: TestSecrets[] = []
  const hop = async (name: string) => {
    const s = await createTestSecrets(name, { ca })
    secrets.push(s)
    const { app } = await createHopService({
      name,
      identity: s.identity,
      audit: createAuditLogger({ service: name, level: 'silent' }),
      idp: { issuer: idp.issuer, url: 'https://127.0.0.1:1' },
      keys: idp.keys,
    })
    app.addHook('preHandler', async (request) => {
      seen[name] = {
        subject: request.access?.subject,
        act: request.access?.act,
        scopes: request.access?.scopes,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        body: request.body,
      }
    })
    apps.push(app)
    return app
  }

  const customers = await hop('customers-api')
  customers.get('/customers/me', { config: { access: { scopes: ['customers:read'] } } }, (r) => ({
    sub: r.access?.subject,
    name: 'Katie',
    email: 'katie@example.com',
    internalId: 42,
  }))
  customers.get(
    '/customers/me/loyalty',
    { config: { access: { scopes: ['customers:read'] } } },
    async () => ({ points: 12, history: [{ orderId: 'o-1', points: 12, at: '2026-11-01' }] }),
  )

  const recommendations = await hop('recommendations-api')
  recommendations.get(
    '/recommendations/me',
    { config: { access: { scopes: ['recommendations:read'] } } },
    async () => ({ products: [{ sku: 'sku-tent', name: 'Two-person tent', reason: 'popular' }] }),
  )

  const fulfillment = await hop('order-fulfillment-api')
  const orders = new Map<string, StoredOrder>()
  fulfillment.get('/orders', { config: { access: { scopes: ['orders:read'] } } }, async (r) => ({
    orders: [...orders.values()].filter((o) => o.owner === r.access?.subject).map((o) => o.order),
  }))
  fulfillment.get<{ Params: { id: string } }>(
    '/orders/:id',
    { config: { access: { scopes: ['orders:read'] } } },
    async (r, reply) => {
      const stored = orders.get(r.params.id)
      if (!stored || stored.owner !== r.access?.subject) {
        return reply
          .code(404)
          .type('application/problem+json')
          .send({ status: 404, code: 'ZT_ERR_NOT_FOUND', title: 'Not found' })
      }
      return stored.order
    },
  )
  fulfillment.post<{ Body: { items: { sku: string; quantity: number }[] } }>(
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

  const urls = {
    CUSTOMERS_API_URL: await listen(customers),
    RECOMMENDATIONS_API_URL: await listen(recommendations),
    ORDER_FULFILLMENT_API_URL: await listen(fulfillment),
  }
  return {
    seen,
    urls,
    close: async () => {
      await Promise.all(apps.map((a) => a.close()))
      for (const s of secrets) s.cleanup()
    },
  }
}

/** The running test bed. */
export async function startShoppingApi() {
  const idp = await createTestIssuer()
  const api = await createTestSecrets('my-shopping-api')
  const gateway = await createTestSecrets('gateway', { ca: api.ca })
  const web = await createTestSecrets('web', { ca: api.ca })
  const next = await doubles(api.ca, idp)
  const log = capture('my-shopping-api')
  const tokens = idp.tokenClient(api.identity)
  const app = await buildApp(
    loadServiceConfig(
      testServiceEnv('my-shopping-api', api.dir, {
        IDP_ISSUER: idp.issuer,
        IDP_URL: 'https://127.0.0.1:1',
        ...next.urls,
      }),
    ),
    { keys: idp.keys, audit: log.audit, tokens },
  )
  const url = await listen(app)
  const agents = { gateway: createMtlsAgent(gateway.identity), web: createMtlsAgent(web.identity) }

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

  /** A request to my-shopping-api over mTLS as `as` (default the gateway). */
  async function call(
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; as?: 'web' } = {},
  ) {
    const before = log.lines.filter((l) => l.audit === true).length
    const res = await request(`${url}${path}`, {
      method,
      dispatcher: agents[options.as ?? 'gateway'],
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
    const text = await res.body.text()
    return {
      status: res.statusCode,
      headers: res.headers,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
      records: log.lines.filter((l) => l.audit === true).slice(before),
    }
  }

  return {
    idp,
    tokens,
    web,
    seen: next.seen,
    log,
    phantom,
    call,
    close: async () => {
      await Promise.all(Object.values(agents).map((a) => a.close()))
      await app.close()
      await next.close()
      for (const s of [api, gateway, web]) s.cleanup()
    },
  }
}
