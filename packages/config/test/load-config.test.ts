import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { z } from 'zod'
import { ConfigError, loadConfig, serviceEnv, urlVar } from '../src/index.ts'

const schema = z.object({ ...serviceEnv, IDP_URL: urlVar })
const valid = {
  SERVICE_NAME: 'orders-api',
  PORT: '7103',
  SECRETS_DIR: '/work/.stack/secrets/orders-api',
  PKI_DIR: '/work/.stack/pki',
  IDP_URL: 'https://127.0.0.1:4001',
}

/** Runs loadConfig and returns the ConfigError it must throw. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(schema, env)
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    return err
  }
  return assert.fail('expected a ConfigError')
}

describe('loadConfig', () => {
  it('returns typed, defaulted configuration', () => {
    const config = loadConfig(schema, { ...valid, UNRELATED: 'x' })
    assert.deepEqual(config, {
      SERVICE_NAME: 'orders-api',
      HOST: '127.0.0.1',
      PORT: 7103,
      SECRETS_DIR: '/work/.stack/secrets/orders-api',
      PKI_DIR: '/work/.stack/pki',
      LOG_LEVEL: 'info',
      IDP_URL: 'https://127.0.0.1:4001',
    })
  })

  it('accepts the compose values', () => {
    const config = loadConfig(schema, {
      ...valid,
      HOST: '0.0.0.0',
      SECRETS_DIR: '/run/secrets',
      LOG_LEVEL: 'warn',
      IDP_URL: 'https://idp:4000',
    })
    assert.equal(config.HOST, '0.0.0.0')
    assert.equal(config.LOG_LEVEL, 'warn')
  })

  it('reads process.env by default', () => {
    const name = 'MYTHICAL_CONFIG_TEST_PORT'
    process.env[name] = '8443'
    try {
      assert.deepEqual(loadConfig(z.object({ [name]: serviceEnv.PORT })), { [name]: 8443 })
    } finally {
      delete process.env[name]
    }
  })

  it('names every bad variable in one message', () => {
    const err = configError({ ...valid, PORT: '70000', SECRETS_DIR: undefined })
    assert.equal(err.code, 'ERR_CONFIG_INVALID')
    assert.equal(err.name, 'ConfigError')
    assert.equal(
      err.message,
      'Invalid configuration: PORT must be an integer 1-65535; SECRETS_DIR is required',
    )
    assert.deepEqual(err.variables, ['PORT', 'SECRETS_DIR'])
  })

  it('treats an empty variable as missing', () => {
    const err = configError({ ...valid, SERVICE_NAME: '' })
    assert.equal(err.message, 'Invalid configuration: SERVICE_NAME is required')
  })

  it('lets defaults apply to empty variables', () => {
    assert.equal(loadConfig(schema, { ...valid, HOST: '', LOG_LEVEL: '' }).HOST, '127.0.0.1')
  })

  const invalid: [string, string, string][] = [
    ['PORT', 'http', 'PORT must be an integer 1-65535'],
    ['PORT', '0', 'PORT must be an integer 1-65535'],
    ['PORT', '80.5', 'PORT must be an integer 1-65535'],
    ['PORT', '-1', 'PORT must be an integer 1-65535'],
    ['HOST', 'example.com', 'HOST must be an IP address or localhost'],
    ['SERVICE_NAME', 'Orders_API', 'SERVICE_NAME must be a lower-case kebab-case service name'],
    ['SECRETS_DIR', '.stack/secrets/orders-api', 'SECRETS_DIR must be an absolute path'],
    ['PKI_DIR', 'pki', 'PKI_DIR must be an absolute path'],
    [
      'LOG_LEVEL',
      'verbose',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    ['IDP_URL', 'http://127.0.0.1:4001', 'IDP_URL must be an https URL without credentials'],
    ['IDP_URL', 'not a url', 'IDP_URL must be an https URL without credentials'],
    [
      'IDP_URL',
      'https://admin:s3cret@idp:4000',
      'IDP_URL must be an https URL without credentials',
    ],
  ]
  for (const [variable, value, message] of invalid) {
    it(`rejects ${variable}=${value}`, () => {
      const err = configError({ ...valid, [variable]: value })
      assert.equal(err.message, `Invalid configuration: ${message}`)
      assert.deepEqual(err.variables, [variable])
    })
  }

  it('never quotes a value in the message', () => {
    const err = configError({ ...valid, IDP_URL: 'https://admin:s3cret@idp:4000' })
    assert.equal(err.message.includes('s3cret'), false)
  })

  it('phrases messages it did not write as "is invalid (…)"', () => {
    const err = (() => {
      try {
        return loadConfig(z.object({ RETRIES: z.coerce.number().max(3) }), { RETRIES: '9' })
      } catch (e) {
        return e
      }
    })()
    assert.ok(err instanceof ConfigError)
    assert.match(err.message, /^Invalid configuration: RETRIES is invalid \(.+\)$/)
  })
})
