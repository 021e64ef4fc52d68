import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCertificateAuthority } from '@mythical/pki'
import {
  createTestSecrets,
  testServiceEnv,
  UNREACHABLE_DEPENDENCIES,
  httpsGetJson,
  startTestServer,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

describe('shipping-api app over TLS', () => {
  let secrets: TestSecrets
  let server: Awaited<ReturnType<typeof startTestServer>>
  let closeApp: () => Promise<void>
  let probe: TestSecrets
  let pkiDir: string
  before(async () => {
    secrets = await createTestSecrets('shipping-api', {
      domain: 'shipping',
      extraFiles: UNREACHABLE_DEPENDENCIES,
    })
    probe = await createTestSecrets('stack-probe', { domain: 'shipping', ca: secrets.ca })
    // PostgreSQL and RabbitMQ are retail's: the service pins PKI_DIR/retail/ca.pem for them.
    const retailCa = await createCertificateAuthority({ name: 'retail' })
    pkiDir = mkdtempSync(join(tmpdir(), 'shipping-api-pki-'))
    mkdirSync(join(pkiDir, 'retail'))
    writeFileSync(join(pkiDir, 'retail', 'ca.pem'), retailCa.certPem)
    const env = testServiceEnv('shipping-api', secrets.dir, {
      PKI_DIR: pkiDir,
      IDP_ISSUER: 'https://localhost:4000',
    })
    const { app, close } = buildApp(loadServiceConfig(env))
    server = await startTestServer(app, secrets.identity, 'internal')
    closeApp = close
  })
  after(async () => {
    await server.close()
    await closeApp()
    secrets.cleanup()
    probe.cleanup()
    rmSync(pkiDir, { recursive: true, force: true })
  })

  it('GET /healthz answers 200', async () => {
    const res = await httpsGetJson(`${server.url}/healthz`, {
      caPem: secrets.ca.certPem,
      client: probe.identity,
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })

  it('GET /readyz reports its unreachable dependencies as 503', async () => {
    const res = await httpsGetJson(`${server.url}/readyz`, {
      caPem: secrets.ca.certPem,
      client: probe.identity,
    })
    assert.equal(res.status, 503)
    assert.deepEqual(
      [(res.body as { code: string }).code, (res.body as { detail: string }).detail],
      ['ZT_ERR_DEPENDENCY_UNAVAILABLE', 'readiness checks "database", "broker" failed'],
    )
  })

  it('GET /customers/{subject}/parcels refuses any workload but order-tracking-api (403)', async () => {
    const res = await httpsGetJson(
      `${server.url}/customers/${'a'.repeat(43)}/parcels?order=${crypto.randomUUID()}`,
      { caPem: secrets.ca.certPem, client: probe.identity },
    )
    assert.equal(res.status, 403)
    assert.equal((res.body as { code: string }).code, 'ZT_ERR_PEER_NOT_ALLOWED')
  })

  it('refuses a caller without a client certificate', async () => {
    await assert.rejects(httpsGetJson(`${server.url}/healthz`, { caPem: secrets.ca.certPem }), {
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    })
  })
})
