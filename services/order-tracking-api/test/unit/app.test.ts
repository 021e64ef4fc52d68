import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createTestSecrets,
  testServiceEnv,
  httpsGetJson,
  startTestServer,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

describe('order-tracking-api app over TLS', () => {
  let secrets: TestSecrets
  let server: Awaited<ReturnType<typeof startTestServer>>
  let closeApp: () => Promise<void>
  before(async () => {
    secrets = await createTestSecrets('order-tracking-api', { domain: 'shipping' })
    const { app, close } = buildApp(
      loadServiceConfig(
        testServiceEnv('order-tracking-api', secrets.dir, {
          PARTNER_IDP_URL: 'https://127.0.0.1:5000',
        }),
      ),
    )
    server = await startTestServer(app, secrets.identity, 'edge')
    closeApp = close
  })
  after(async () => {
    await server.close()
    await closeApp()
    secrets.cleanup()
  })

  it('GET /healthz answers 200', async () => {
    const res = await httpsGetJson(`${server.url}/healthz`, { caPem: secrets.ca.certPem })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })
})
