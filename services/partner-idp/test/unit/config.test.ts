import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../../src/config.ts'

const ENV = {
  SERVICE_NAME: 'partner-idp',
  HOST: '127.0.0.1',
  PORT: '5000',
  SECRETS_DIR: '/stack/secrets/partner-idp',
  PKI_DIR: '/stack/pki',
  PARTNER_IDP_ISSUER: 'https://localhost:5000',
  IDP_ISSUER: 'https://localhost:4000',
  IDP_URL: 'https://idp:4000',
}

test('derives the retail trust material locations from the env contract', () => {
  const config = loadConfig(ENV)
  assert.equal(config.issuer, 'https://localhost:5000')
  assert.equal(config.port, 5000)
  assert.equal(config.mtlsPort, 5001)
  assert.equal(config.mtlsBaseUrl, 'https://localhost:5001')
  assert.deepEqual(config.retail, {
    issuer: 'https://localhost:4000',
    jwksUri: 'https://idp:4000/jwks',
    caFile: '/stack/pki/retail/ca.pem',
    webClientJwksFile: '/stack/pki/retail/jwks/web.json',
  })
})

test('issuer identifiers are compared without a trailing slash', () => {
  const config = loadConfig({
    ...ENV,
    PARTNER_IDP_ISSUER: 'https://localhost:5000/',
    IDP_ISSUER: 'https://localhost:4000/',
  })
  assert.equal(config.issuer, 'https://localhost:5000')
  assert.equal(config.retail.issuer, 'https://localhost:4000')
})

test('fails fast naming each missing or invalid variable', () => {
  assert.throws(() => loadConfig({ ...ENV, IDP_ISSUER: undefined, IDP_URL: 'http://idp:4000' }), {
    code: 'ERR_CONFIG_INVALID',
    message:
      'Invalid configuration: IDP_ISSUER is required; IDP_URL must be an https URL without credentials',
  })
})

test('refuses to run as another service', () => {
  assert.throws(() => loadConfig({ ...ENV, SERVICE_NAME: 'idp' }), {
    message: 'Invalid configuration: SERVICE_NAME must be partner-idp',
  })
})

test('subject tokens are capped at the retail access-token lifetime by default', () => {
  assert.equal(loadConfig(ENV).subjectTokenMaxAgeSeconds, 300)
  assert.equal(
    loadConfig({ ...ENV, SUBJECT_TOKEN_MAX_AGE_SECONDS: '120' }).subjectTokenMaxAgeSeconds,
    120,
  )
  for (const bad of ['0', '7200', 'soon', '1.5']) {
    assert.throws(() => loadConfig({ ...ENV, SUBJECT_TOKEN_MAX_AGE_SECONDS: bad }), {
      code: 'ERR_CONFIG_INVALID',
      message: /SUBJECT_TOKEN_MAX_AGE_SECONDS/,
    })
  }
})
