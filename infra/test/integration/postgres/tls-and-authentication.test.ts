/**
 * TB12, transport and authentication: the stack's PostgreSQL accepts a service's own role over
 * mutual TLS 1.3 — a workload certificate of a trusted domain plus the role's SCRAM password, and
 * a server certificate the client verifies (CA and host name) — and refuses plaintext, older TLS,
 * a missing or foreign client certificate, a client that trusts another CA, a server-name
 * mismatch and a wrong password.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { checkDatabase, createDatabasePool, readDatabaseCredentials } from '@mythical/db'
import {
  caOf,
  connectionError,
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

  it('refuses a client without a workload certificate, even with the right password', async () => {
    const error = await connectionError(
      serviceClient('orders-api', { ssl: { cert: undefined, key: undefined } }),
    )
    assert.equal(error.code, '28000')
    assert.equal(error.message, 'connection requires a valid client certificate')
  })

  it('refuses a workload certificate from an untrusted domain CA (cardvault)', async () => {
    // The vault's own certificate with orders_api's password: cardvault has no business here.
    const { cert, key } = tlsOf('tokenization-api')
    const error = await connectionError(serviceClient('orders-api', { ssl: { cert, key } }))
    assert.match(error.message, /alert unknown ca/)
  })

  it('refuses a wrong password (SCRAM)', async () => {
    const error = await connectionError(
      serviceClient('orders-api', { password: 'not-the-password' }),
    )
    assert.equal(error.code, '28P01')
    assert.match(error.message, /password authentication failed for user "orders_api"/)
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
