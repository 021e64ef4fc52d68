/**
 * TB12, transport and authentication: the stack's PostgreSQL accepts a service's own role over
 * mutual TLS 1.3 — its workload certificate, mapped by subject DN to that role (no password), and
 * a server certificate the client verifies (CA and host name) — and refuses plaintext, older TLS,
 * a missing or foreign client certificate, a client that trusts another CA and a server-name
 * mismatch. A password opens no service role; the superuser needs its password and a trusted
 * certificate.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { checkDatabase, createDatabasePool, readDatabaseCredentials } from '@mythical/db'
import pg from 'pg'
import { resolveAdmin } from '../../../src/postgres/admin-target.ts'
import {
  asAdmin,
  caOf,
  connectionError,
  layout,
  paths,
  secretsOf,
  serviceClient,
  tlsOf,
  usePostgres,
  using,
} from './helpers.ts'

describe('PostgreSQL TLS and authentication (TB12)', () => {
  let teardown: () => Promise<void>
  before(async () => {
    ;({ teardown } = await usePostgres())
  })
  after(() => teardown())

  it('lets orders_api log in to orders over mutual TLS 1.3 with its workload certificate', async () => {
    const session = await using(serviceClient('orders-api'), async (client) => {
      const { rows } = await client.query(
        `SELECT current_user AS user, current_database() AS db, s.ssl, s.version, s.client_dn
           FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`,
      )
      return rows[0]
    })
    assert.deepEqual(session, {
      user: 'orders_api',
      db: 'orders',
      ssl: true,
      version: 'TLSv1.3',
      client_dn: '/O=retail.mythical.example/CN=orders-api',
    })
  })

  it('checkDatabase passes through createDatabasePool (verify-full, own role)', async () => {
    const pool = createDatabasePool(secretsOf('orders-api'), { max: 1 })
    try {
      await checkDatabase(pool)
    } finally {
      await pool.end()
    }
  })

  it('refuses a connection without TLS (pg_hba: no encryption)', async () => {
    const error = await connectionError(serviceClient('orders-api', { ssl: false }))
    assert.equal(error.code, '28000')
    assert.match(error.message, /pg_hba\.conf rejects connection .*no encryption/)
  })

  it('refuses TLS 1.2', async () => {
    const error = await connectionError(
      serviceClient('orders-api', { ssl: { maxVersion: 'TLSv1.2' } }),
    )
    // The server answers the TLS 1.2 ClientHello with a protocol_version alert (70).
    assert.equal(error.code, 'EPROTO')
    assert.match(error.message, /alert protocol version/)
  })

  // The server sends its chain up to the retail root, which a client pinned to another CA rejects.
  it('fails verification for a client that trusts another CA (cardvault)', async () => {
    const error = await connectionError(
      serviceClient('orders-api', { ssl: { ca: caOf('cardvault') } }),
    )
    assert.equal(error.code, 'SELF_SIGNED_CERT_IN_CHAIN')
  })

  it("fails verification for the partner's shipping-api with its own CA, passes with the retail CA", async () => {
    const own = createDatabasePool(secretsOf('shipping-api'), { max: 1 })
    const pinned = createDatabasePool(secretsOf('shipping-api'), {
      max: 1,
      serverCaFile: paths.caCert('retail'),
    })
    try {
      await assert.rejects(checkDatabase(own), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_DB_UNAVAILABLE')
        assert.equal((error.cause as { code?: string }).code, 'SELF_SIGNED_CERT_IN_CHAIN')
        return true
      })
      await checkDatabase(pinned)
    } finally {
      await Promise.all([own.end(), pinned.end()])
    }
  })

  it('fails verification when the server name is not in the certificate', async () => {
    const error = await connectionError(
      serviceClient('orders-api', { ssl: { servername: 'db.evil.example' } }),
    )
    assert.equal(error.code, 'ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('refuses a service role without a workload certificate, whatever password it offers', async () => {
    // The cert method never asks for a password: without a certificate there is nothing to check.
    const error = await connectionError(
      serviceClient('orders-api', {
        password: 'any-password',
        ssl: { cert: undefined, key: undefined },
      }),
    )
    assert.equal(error.code, '28000')
    assert.equal(error.message, 'connection requires a valid client certificate')
  })

  it("refuses the card vault's certificate for a retail role and the vault role in a retail database", async () => {
    // The cardvault CA is trusted for the vault's own database only: its certificate's DN maps
    // to tokenization_api, which may connect to `vault` and nowhere else.
    const { cert, key } = tlsOf('tokenization-api')
    const asRetail = await connectionError(serviceClient('orders-api', { ssl: { cert, key } }))
    assert.equal(asRetail.code, '28000')
    assert.equal(asRetail.message, 'certificate authentication failed for user "orders_api"')
    const intoRetail = await connectionError(
      serviceClient('tokenization-api', { database: 'orders', ssl: { ca: caOf('retail') } }),
    )
    assert.equal(intoRetail.code, '42501')
    assert.match(intoRetail.message, /permission denied for database "orders"/)
  })

  it('gives a service role no password: the role has none and a certificate login ignores one', async () => {
    const { rows } = await asAdmin('postgres', (admin) =>
      admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'orders_api'"),
    )
    assert.deepEqual(rows, [{ rolpassword: null }])
    // The right certificate with a made-up password: the certificate alone decides.
    const user = await using(
      serviceClient('orders-api', { password: 'not-a-password' }),
      async (client) => (await client.query('SELECT current_user AS user')).rows[0].user,
    )
    assert.equal(user, 'orders_api')
  })

  it('refuses the superuser with its password but without a client certificate', async () => {
    const admin = await resolveAdmin(layout)
    const error = await connectionError(
      new pg.Client({ ...admin, ssl: { ca: caOf('retail') }, connectionTimeoutMillis: 5000 }),
    )
    assert.equal(error.code, '28000')
    assert.equal(error.message, 'connection requires a valid client certificate')
  })

  it('refuses the superuser with a trusted client certificate but a wrong password', async () => {
    const admin = await resolveAdmin(layout)
    const error = await connectionError(
      new pg.Client({
        ...admin,
        password: 'not-the-password',
        ssl: tlsOf('orders-api'),
        connectionTimeoutMillis: 5000,
      }),
    )
    assert.equal(error.code, '28P01')
    assert.match(error.message, /password authentication failed for user "postgres"/)
  })

  it('lets the superuser in with its password and a trusted client certificate', async () => {
    const admin = await resolveAdmin(layout)
    const user = await using(
      new pg.Client({ ...admin, ssl: tlsOf('postgres'), connectionTimeoutMillis: 5000 }),
      async (client) => (await client.query('SELECT current_user AS user')).rows[0].user,
    )
    assert.equal(user, 'postgres')
  })

  it('checkDatabase reports ERR_DB_UNAVAILABLE when the pool trusts the wrong CA', async () => {
    // Same credentials and certificate, but the cardvault CA as ca.pem: the handshake must fail.
    const dir = await mkdtemp(join(tmpdir(), 'db-wrong-ca-'))
    try {
      await writeFile(
        join(dir, 'database.json'),
        JSON.stringify(readDatabaseCredentials(secretsOf('orders-api'))),
        { mode: 0o600 },
      )
      const { cert, key } = tlsOf('orders-api')
      await writeFile(join(dir, 'tls.crt'), String(cert))
      await writeFile(join(dir, 'tls.key'), String(key), { mode: 0o600 })
      await writeFile(join(dir, 'ca.pem'), caOf('cardvault'))
      const pool = createDatabasePool(dir, { max: 1 })
      try {
        await assert.rejects(
          checkDatabase(pool),
          (error: Error & { code?: string; cause?: unknown }) => {
            assert.equal(error.code, 'ERR_DB_UNAVAILABLE')
            assert.equal((error.cause as { code?: string }).code, 'SELF_SIGNED_CERT_IN_CHAIN')
            return true
          },
        )
      } finally {
        await pool.end()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
