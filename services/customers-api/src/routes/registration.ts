/**
 * `POST /customers` (docs/internal-apis.md): a sales associate registers a customer in a store.
 * The identity is created where identities live, at the retail IdP (`POST /accounts` on its mTLS
 * alias, with this workload's client-credentials token for the IdP, scope `accounts:register`);
 * the profile is recorded here in the staff scope, attributed to the associate (`registered_by`
 * must be them: row-level security). Answers `{ sub, username }`.
 */
import { withStaffScope } from '@mythical/db'
import { Conflict, ServiceUnavailable, Unauthenticated } from '@mythical/problem'
import { requireGroup, type DownstreamClient } from '@mythical/service-kit'
import type { FastifyPluginAsync } from 'fastify'
import type { Pool } from 'pg'
import { emailTaken, insertRegisteredCustomer } from '../customer-store.ts'
import { SALES_ASSOCIATE } from './customers.ts'

/** Options of {@link registrationRoutes}. */
export interface RegistrationRoutesOptions {
  readonly pool: Pool
  /** The hop kit's downstream client, with the IdP's mTLS alias as target `idp`. */
  readonly downstream: DownstreamClient
}

const STAFF_REGISTRATION = {
  access: {
    scopes: ['customers:write'],
    callers: ['shop-assistant-api'],
    checks: [requireGroup(SALES_ASSOCIATE)],
  },
}

const newCustomerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    email: {
      type: 'string',
      maxLength: 254,
      pattern: '^[^\\s@]{1,64}@[^\\s@]{1,190}\\.[^\\s@]{2,}$',
    },
  },
} as const

const isAccount = (body: unknown): body is { sub: string; username: string } =>
  typeof (body as { sub?: unknown })?.sub === 'string' &&
  typeof (body as { username?: unknown })?.username === 'string'

const UNIQUE_VIOLATION = '23505'

export const registrationRoutes: FastifyPluginAsync<RegistrationRoutesOptions> = async (
  app,
  opts,
) => {
  const { pool, downstream } = opts

  app.post<{ Body: { name: string; email: string } }>(
    '/customers',
    { config: STAFF_REGISTRATION, schema: { body: newCustomerBody } },
    async (req, reply) => {
      if (!req.access) throw new Unauthenticated()
      const staff = req.access.subject
      const customer = { name: req.body.name.trim(), email: req.body.email.toLowerCase() }
      if (await withStaffScope(pool, staff, (db) => emailTaken(db, customer.email))) {
        throw new Conflict('a customer with this email is already registered')
      }
      const created = await downstream.callService('idp', '/accounts', {
        scope: 'accounts:register',
        method: 'POST',
        body: customer,
      })
      if (created.status !== 201 || !isAccount(created.body)) {
        req.log.warn({ status: created.status }, 'the IdP did not create the account')
        throw new ServiceUnavailable('the identity provider did not register the customer')
      }
      const account = { sub: created.body.sub, username: created.body.username }
      try {
        await withStaffScope(pool, staff, (db) =>
          insertRegisteredCustomer(db, { sub: account.sub, ...customer }, staff),
        )
      } catch (err) {
        // Another associate registered the same email a moment ago.
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new Conflict('a customer with this email is already registered')
        }
        throw err
      }
      return reply.code(201).send(account)
    },
  )
}
