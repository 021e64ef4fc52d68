import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stackPaths } from '../src/paths.ts'
import { serviceEnvironment } from '../src/environment.ts'
import { SERVICES, serviceByName, type ServiceDefinition } from '../src/manifest.ts'

const orders = serviceByName('orders-api')

describe('serviceEnvironment', () => {
  it('gives a local service loopback addresses and its own .stack folders', () => {
    const env = serviceEnvironment(orders, { target: 'local', root: '/repo' })
    const paths = stackPaths('/repo')
    assert.deepEqual(env, {
      SERVICE_NAME: 'orders-api',
      HOST: '127.0.0.1',
      PORT: '7104',
      SECRETS_DIR: paths.secrets('orders-api'),
      PKI_DIR: paths.pki,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      IDP_ISSUER: 'https://localhost:4000',
      PARTNER_IDP_ISSUER: 'https://localhost:5000',
      IDP_URL: 'https://127.0.0.1:4000',
      // The IdP's RFC 8705 mTLS endpoint alias (manifest `mtlsPort`).
      IDP_MTLS_URL: 'https://127.0.0.1:4001',
      // Its spans go to the stack's trace store (the standard OpenTelemetry variable).
      TRACE_STORE_URL: 'https://127.0.0.1:7110',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://127.0.0.1:7110',
    })
  })

  it('gives a compose service the container mounts and Docker DNS names', () => {
    const env = serviceEnvironment(orders, { target: 'compose' })
    assert.equal(env.HOST, '0.0.0.0')
    assert.equal(env.SECRETS_DIR, '/run/secrets')
    assert.equal(env.PKI_DIR, '/etc/mythical/pki')
    assert.equal(env.IDP_URL, 'https://idp:4000')
  })

  it('keeps the public issuer identifiers identical for both targets', () => {
    for (const service of SERVICES) {
      const local = serviceEnvironment(service, { target: 'local' })
      const compose = serviceEnvironment(service, { target: 'compose' })
      assert.equal(local.IDP_ISSUER, 'https://localhost:4000')
      assert.equal(compose.IDP_ISSUER, local.IDP_ISSUER)
      assert.equal(compose.PARTNER_IDP_ISSUER, local.PARTNER_IDP_ISSUER)
    }
  })

  it('names a URL for every service dependency and none for infrastructure', () => {
    const fulfillment = serviceByName('order-fulfillment-api')
    const env = serviceEnvironment(fulfillment, { target: 'compose' })
    assert.equal(env.ORDERS_API_URL, 'https://orders-api:7104')
    assert.equal(env.TOKENIZATION_API_URL, 'https://tokenization-api:7201')
    assert.equal(env.IDP_URL, 'https://idp:4000')
    assert.equal(env.POSTGRES_URL, undefined)
    assert.equal(env.RABBITMQ_URL, undefined)
    const urls = Object.keys(env).filter((k) => k.endsWith('_URL'))
    assert.deepEqual(urls.sort(), [
      'IDP_MTLS_URL',
      'IDP_URL',
      'ORDERS_API_URL',
      'TOKENIZATION_API_URL',
      'TRACE_STORE_URL',
    ])
  })

  it('produces the same variable names locally and in compose, so the targets cannot drift', () => {
    for (const service of SERVICES) {
      assert.deepEqual(
        Object.keys(serviceEnvironment(service, { target: 'local' })).sort(),
        Object.keys(serviceEnvironment(service, { target: 'compose' })).sort(),
        service.name,
      )
    }
  })

  it('adds mTLS alias URLs for a dependency with an mtlsPort and MTLS_PORT for the server', () => {
    const issuer: ServiceDefinition = { ...serviceByName('idp'), mtlsPort: 4001 }
    const client: ServiceDefinition = { ...orders, dependsOn: ['idp', 'postgres'] }
    const services = [issuer, client]
    const clientEnv = serviceEnvironment(client, { target: 'compose', services })
    assert.equal(clientEnv.IDP_URL, 'https://idp:4000')
    assert.equal(clientEnv.IDP_MTLS_URL, 'https://idp:4001')
    const serverEnv = serviceEnvironment(issuer, { target: 'local', services })
    assert.equal(serverEnv.MTLS_PORT, '4001')
    assert.equal(serverEnv.IDP_MTLS_URL, 'https://127.0.0.1:4001')
    assert.equal(serviceEnvironment(orders, { target: 'local', services }).MTLS_PORT, undefined)
  })

  it('honours the log level', () => {
    assert.equal(
      serviceEnvironment(orders, { target: 'local', logLevel: 'debug' }).LOG_LEVEL,
      'debug',
    )
  })
})
