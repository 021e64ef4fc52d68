/**
 * TB12, binding a login role to its workload certificate: service roles log in with the `cert`
 * method, `clientname=DN` and the generated `pg_ident.conf` map, so a certificate opens exactly
 * the role its full subject DN is mapped to. Another service's certificate, or a look-alike
 * `CN=orders-api` from another trusted domain's CA, is refused.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { issueWorkloadCertificate } from '@mythical/pki'
import { workloadId } from '../../../src/stack.ts'
import { connectionError, paths, serviceClient, tlsOf, usePostgres, using } from './helpers.ts'

describe('PostgreSQL certificate-to-role binding (TB12)', () => {
  let teardown: () => Promise<void>
  before(async () => {
    ;({ teardown } = await usePostgres())
  })
  after(() => teardown())

  it("lets shipping_api log in with the partner's own workload certificate (shipping CA)", async () => {
    // The server certificate comes from the retail CA: the partner pins that one for the server.
    const session = await using(
      serviceClient('shipping-api', { ssl: { ca: readFileSync(paths.caCert('retail'), 'utf8') } }),
      async (client) => {
        const { rows } = await client.query(
          `SELECT current_user AS user, s.client_dn
             FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`,
        )
        return rows[0]
      },
    )
    assert.deepEqual(session, {
      user: 'shipping_api',
      client_dn: '/O=shipping.mythical.example/CN=shipping-api',
    })
  })

  it("refuses orders_api's login presented with customers-api's certificate", async () => {
    const { cert, key } = tlsOf('customers-api')
    const error = await connectionError(serviceClient('orders-api', { ssl: { cert, key } }))
    assert.equal(error.code, '28000')
    assert.match(error.message, /certificate authentication failed for user "orders_api"/)
  })

  it("accepts customers-api's certificate for its own role, customers_api", async () => {
    // The certificate refused as orders_api above is valid: only the mapping decides.
    const user = await using(
      serviceClient('customers-api'),
      async (client) => (await client.query('SELECT current_user AS user')).rows[0].user,
    )
    assert.equal(user, 'customers_api')
  })

  it('refuses a shipping-CA certificate whose CN is orders-api', async () => {
    // The partner's CA can name any workload in its own domain, orders-api included: only the
    // full subject DN (O=shipping… vs O=retail…) tells it from retail's orders-api.
    const shippingCa = {
      certPem: readFileSync(paths.caCert('shipping'), 'utf8'),
      keyPem: readFileSync(paths.caKey('shipping'), 'utf8'),
    }
    const forged = await issueWorkloadCertificate(shippingCa, {
      spiffeId: workloadId('shipping', 'orders-api'),
      validityHours: 1,
    })
    const error = await connectionError(
      serviceClient('orders-api', { ssl: { cert: forged.certPem, key: forged.keyPem } }),
    )
    assert.equal(error.code, '28000')
    assert.match(error.message, /certificate authentication failed for user "orders_api"/)
  })
})
