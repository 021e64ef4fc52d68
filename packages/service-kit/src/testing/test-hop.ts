/**
 * A test double of a hop service: the real hop kit (so it verifies the caller, the token's
 * audience, binding and scopes exactly as the real service would), the test issuer's keys, and
 * the routes the test gives it, listening on a free loopback port. `seen` is what the last
 * allowed request carried, for assertions on what the caller sent.
 */
import type { AddressInfo } from 'node:net'
import type { KeyAndCertificate } from '@mythical/pki'
import { createAuditLogger } from '@mythical/audit'
import type { FastifyInstance } from 'fastify'
import { createHopService } from '../hop/hop-kit.ts'
import type { TestIssuer } from './test-issuer.ts'
import { createTestSecrets } from './test-secrets.ts'

/** What the last allowed request to a test hop carried. */
export interface SeenRequest {
  readonly subject: string | undefined
  readonly act: unknown
  readonly scopes: readonly string[] | undefined
  readonly headers: Readonly<Record<string, unknown>>
  readonly body: unknown
}

/** A running test hop. */
export interface TestHop {
  readonly url: string
  readonly app: FastifyInstance
  /** The last allowed request, `undefined` before the first. */
  seen(): SeenRequest | undefined
  /** Forgets the last request. */
  reset(): void
  close(): Promise<void>
}

/**
 * @example
 * ```ts
 * const idp = await createTestIssuer()
 * const customers = await startTestHop('customers-api', { ca, idp, routes: (app) => {
 *   app.get('/customers/me', { config: { access: { scopes: ['customers:read'] } } },
 *     async (r) => ({ sub: r.access?.subject }))
 * } })
 * ```
 */
export async function startTestHop(
  service: string,
  options: {
    ca: KeyAndCertificate
    idp: TestIssuer
    routes: (app: FastifyInstance) => void
  },
): Promise<TestHop> {
  const secrets = await createTestSecrets(service, { ca: options.ca })
  const { app } = await createHopService({
    name: service,
    identity: secrets.identity,
    audit: createAuditLogger({ service, level: 'silent' }),
    idp: { issuer: options.idp.issuer, url: 'https://127.0.0.1:1' },
    keys: options.idp.keys,
  })
  let seen: SeenRequest | undefined
  app.addHook('preHandler', async (request) => {
    seen = {
      subject: request.access?.subject,
      act: request.access?.act,
      scopes: request.access?.scopes,
      headers: request.headers,
      body: request.body,
    }
  })
  options.routes(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url: `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    app,
    seen: () => seen,
    reset: () => {
      seen = undefined
    },
    close: async () => {
      await app.close()
      secrets.cleanup()
    },
  }
}
