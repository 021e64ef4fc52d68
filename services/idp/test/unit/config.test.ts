import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadIdpConfig } from '../../src/config.ts'

const env = {
  SERVICE_NAME: 'idp',
  PORT: '4000',
  SECRETS_DIR: '/run/secrets',
  PKI_DIR: '/etc/mythical/pki',
  IDP_ISSUER: 'https://localhost:4000',
  PARTNER_IDP_ISSUER: 'https://localhost:5000',
}

test('defaults: mTLS alias on the manifest port, web origin, not production', () => {
  const config = loadIdpConfig(env)
  assert.equal(config.mtlsPort, 4001)
  assert.equal(config.mtlsBaseUrl, 'https://localhost:4001')
  assert.equal(config.webOrigin, 'https://localhost:3000')
  assert.equal(config.production, false)
})

test('a missing or non-https issuer fails fast, naming the variable', () => {
  const { IDP_ISSUER: _omitted, ...missing } = env
  assert.throws(() => loadIdpConfig(missing), { code: 'ERR_CONFIG_INVALID', message: /IDP_ISSUER/ })
  assert.throws(() => loadIdpConfig({ ...env, PARTNER_IDP_ISSUER: 'http://localhost:5000' }), {
    code: 'ERR_CONFIG_INVALID',
    message: /PARTNER_IDP_ISSUER/,
  })
})

test('production mode is explicit', () => {
  assert.equal(loadIdpConfig({ ...env, NODE_ENV: 'production' }).production, true)
})

test('demo seeding is opt-in: off by default, on with SEED_DEMO_DATA=true', () => {
  assert.equal(loadIdpConfig(env).seedDemoData, false)
  assert.equal(loadIdpConfig({ ...env, SEED_DEMO_DATA: 'false' }).seedDemoData, false)
  assert.equal(loadIdpConfig({ ...env, SEED_DEMO_DATA: 'true' }).seedDemoData, true)
  assert.throws(() => loadIdpConfig({ ...env, SEED_DEMO_DATA: 'yes' }), {
    code: 'ERR_CONFIG_INVALID',
    message: /SEED_DEMO_DATA/,
  })
})

test('demo seeding in production refuses to start, naming the variable', () => {
  assert.throws(() => loadIdpConfig({ ...env, NODE_ENV: 'production', SEED_DEMO_DATA: 'true' }), {
    code: 'ERR_CONFIG_INVALID',
    message: /SEED_DEMO_DATA.*NODE_ENV=production/,
  })
  assert.equal(loadIdpConfig({ ...env, NODE_ENV: 'production' }).seedDemoData, false)
})
