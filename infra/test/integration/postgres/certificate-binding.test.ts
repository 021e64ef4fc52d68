/**
 * TB12, binding a login role to its workload certificate: service roles log in with the `cert`
 * method, `clientname=DN` and the generated `pg_ident.conf` map, so a certificate opens exactly
 * the role its full subject DN is mapped to. Another service's certificate, a look-alike
 * `CN=orders-api` from another trusted domain's CA, or that CA forging retail's full subject DN
 * (refused by its directoryName name constraint), is refused.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { issueWorkloadCertificate } from '@mythical/pki'
import { workloadId } from '@mythical/stack'
import { mintLeaf } from '../pki/openssl-by-hand.ts'
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

  it("refuses a shipping-CA certificate forging retail's subject DN O=retail…, CN=orders-api", async () => {
    // The holder of the shipping CA key signs, by hand, exactly the DN that pg_ident maps to
    // orders_api (with a shipping SPIFFE ID, which the CA's URI constraint allows). The CA's
    // directoryName constraint O=shipping.mythical.example makes OpenSSL refuse the chain during
    // the handshake, before any mapping is looked at.
    const shippingCa = {
      certPem: readFileSync(paths.caCert('shipping'), 'utf8'),
      keyPem: readFileSync(paths.caKey('shipping'), 'utf8'),
    }
    const forged = await mintLeaf(
      shippingCa,
      '/O=retail.mythical.example/CN=orders-api',
      workloadId('shipping', 'orders-api'),
    )
    const error = await connectionError(
      serviceClient('orders-api', { ssl: { cert: forged.certPem, key: forged.keyPem } }),
    )
    // Alert 46 (certificate_unknown): PostgreSQL's OpenSSL refused the chain with
    // X509_V_ERR_PERMITTED_VIOLATION, while the look-alike above (O=shipping…) got past TLS.
    assert.equal(error.code, 'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_UNKNOWN')
    // Control: the signature is the shipping CA's own; only the subject is out of bounds.
    const caCert = new X509Certificate(shippingCa.certPem)
    assert.equal(new X509Certificate(forged.certPem).verify(caCert.publicKey), true)
  })
})
