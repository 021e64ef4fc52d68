import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createTestSecrets,
  testServiceEnv,
  UNREACHABLE_DEPENDENCIES,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

describe('payments-api app', () => {
  let secrets: TestSecrets
  let app: Awaited<ReturnType<typeof buildApp>>
  before(async () => {
    secrets = await createTestSecrets('payments-api', { extraFiles: UNREACHABLE_DEPENDENCIES })
    app = await buildApp(
      loadServiceConfig(
        testServiceEnv('payments-api', secrets.dir, {
          IDP_URL: 'https://127.0.0.1:4000',
          TOKENIZATION_API_URL: 'https://127.0.0.1:7201',
        }),
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

  it('GET /readyz reports its unreachable dependencies as 503', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(res.statusCode, 503)
    assert.equal(res.json().code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
    assert.equal(res.json().detail, 'readiness checks "database", "broker" failed')
  })
})
