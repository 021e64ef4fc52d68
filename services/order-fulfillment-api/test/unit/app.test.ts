import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  createTestIssuer,
  createTestSecrets,
  testServiceEnv,
  UNREACHABLE_DEPENDENCIES,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

describe('order-fulfillment-api app', () => {
  let secrets: TestSecrets
  let app: Awaited<ReturnType<typeof buildApp>>
  before(async () => {
    secrets = await createTestSecrets('order-fulfillment-api', {
      extraFiles: {
        ...UNREACHABLE_DEPENDENCIES,
        'data-key.jwk.json': JSON.stringify({
          kty: 'oct',
          kid: 'test',
          k: randomBytes(32).toString('base64url'),
        }),
      },
    })
    const unreachable = 'https://127.0.0.1:1'
    app = await buildApp(
      loadServiceConfig(
        testServiceEnv('order-fulfillment-api', secrets.dir, {
          IDP_ISSUER: 'https://localhost:4000',
          IDP_URL: unreachable,
          ORDERS_API_URL: unreachable,
          TOKENIZATION_API_URL: unreachable,
        }),
      ),
      {
        keys: (await createTestIssuer()).keys,
        // Never called: no route is exercised here.
        vault: {
          tokenize: () => Promise.reject(new Error('not in this test')),
          close: async () => {},
        },
      },
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
