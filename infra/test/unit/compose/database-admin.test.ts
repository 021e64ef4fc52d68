import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { databaseAdminUrl, POSTGRES_ADMIN_USER } from '../../../src/compose/database-admin.ts'
import { exportedPaths } from '../../../src/compose/exported-paths.ts'
import { parseAdminUrl } from '../../../src/postgres/admin-target.ts'
import { postgresLayout } from '../../../src/postgres/layout.ts'
import { stackPaths, INFRASTRUCTURE } from '@mythical/stack'

describe('databaseAdminUrl (compose db-provision)', () => {
  it('is accepted by the provisioning and names the postgres container over verify-full', () => {
    const url = databaseAdminUrl('pA55-word_x')
    assert.match(url, /\?sslmode=verify-full$/)
    assert.deepEqual(parseAdminUrl(url), {
      host: 'postgres',
      port: INFRASTRUCTURE.postgres.port,
      database: 'postgres',
      user: POSTGRES_ADMIN_USER,
      password: 'pA55-word_x',
    })
  })

  it('escapes a password with URL metacharacters instead of corrupting it', () => {
    const password = 'a@b:c/d?e#f%g'
    assert.equal(parseAdminUrl(databaseAdminUrl(password)).password, password)
  })
})

describe('exportedPaths', () => {
  const paths = exportedPaths('/export', '/app')

  it('points secrets and the public PKI at the mounted volumes, the rest at the image', () => {
    assert.equal(paths.secrets('orders-api'), '/export/secrets/orders-api')
    assert.equal(paths.caCert('retail'), '/export/pki/retail/ca.pem')
    assert.equal(paths.publicJwks('retail', 'idp'), '/export/pki/retail/jwks/idp.json')
    assert.equal(paths.root, stackPaths('/app').root)
  })

  it("gives the provisioning the postgres volume's client certificate and the retail CA", () => {
    const layout = postgresLayout(paths)
    assert.equal(layout.tlsCert, '/export/secrets/postgres/tls.crt')
    assert.equal(layout.tlsKey, '/export/secrets/postgres/tls.key')
    assert.equal(layout.caCert, `/export/pki/${INFRASTRUCTURE.postgres.domain}/ca.pem`)
  })
})
