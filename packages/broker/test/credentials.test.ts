import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parseBrokerCredentials, readBrokerCredentials } from '../src/index.ts'

const valid = {
  host: '127.0.0.1',
  port: 56710,
  vhost: 'mythical',
  username: 'spiffe://retail.mythical.example/customers-api',
}
const invalid = (message: string) => ({
  name: 'BrokerCredentialsInvalid',
  code: 'ERR_BROKER_CREDENTIALS_INVALID',
  message,
})

describe('parseBrokerCredentials', () => {
  test('accepts a complete amqp.json', () => {
    assert.deepEqual(parseBrokerCredentials(JSON.stringify(valid)), valid)
  })

  test('drops unknown fields', () => {
    assert.deepEqual(parseBrokerCredentials(JSON.stringify({ ...valid, admin: true })), valid)
  })

  test('drops a password left by the password era: login is by certificate only', () => {
    const legacy = { ...valid, password: 'an-old-generated-password' }
    assert.deepEqual(parseBrokerCredentials(JSON.stringify(legacy)), valid)
  })

  test('rejects non-JSON and non-objects', () => {
    assert.throws(() => parseBrokerCredentials('{'), invalid('amqp.json is not valid JSON'))
    assert.throws(() => parseBrokerCredentials('null'), invalid('amqp.json must be a JSON object'))
  })

  for (const field of ['host', 'vhost', 'username'] as const) {
    test(`rejects a missing or empty ${field}`, () => {
      const message = `amqp.json "${field}" must be a non-empty string`
      const without: Partial<typeof valid> = { ...valid }
      delete without[field]
      assert.throws(() => parseBrokerCredentials(JSON.stringify(without)), invalid(message))
      assert.throws(
        () => parseBrokerCredentials(JSON.stringify({ ...valid, [field]: '' })),
        invalid(message),
      )
    })
  }

  test('rejects a port that is not a TCP port', () => {
    for (const port of ['56710', 0, 65536, 1.5, null]) {
      assert.throws(
        () => parseBrokerCredentials(JSON.stringify({ ...valid, port })),
        invalid('amqp.json "port" must be an integer between 1 and 65535'),
      )
    }
  })
})

describe('readBrokerCredentials', () => {
  test('reads <secretsDir>/amqp.json', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'broker-creds-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'amqp.json'), JSON.stringify(valid))
    assert.deepEqual(await readBrokerCredentials(dir), valid)
  })

  test('a missing file is ERR_BROKER_CREDENTIALS_INVALID naming the file', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'broker-creds-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    await assert.rejects(
      readBrokerCredentials(dir),
      invalid(`cannot read ${join(dir, 'amqp.json')}`),
    )
  })
})
