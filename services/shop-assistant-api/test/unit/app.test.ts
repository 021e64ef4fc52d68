import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestSecrets, testServiceEnv, type TestSecrets } from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

describe('shop-assistant-api app', () => {
  let secrets: TestSecrets
  let app: Awaited<ReturnType<typeof buildApp>>
  before(async () => {
    secrets = await createTestSecrets('shop-assistant-api')
    app = await buildApp(
      loadServiceConfig(
        testServiceEnv('shop-assistant-api', secrets.dir, { IDP_URL: 'https://127.0.0.1:4000' }),
      ),
    )
  })
  after(async () => {
    await app.close()
    secrets.cleanup()
  })

  it('GET /healthz answers 200', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok' })
  })

  it('GET /readyz is ready (no dependencies to check yet)', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(res.statusCode, 200)
  })
})
