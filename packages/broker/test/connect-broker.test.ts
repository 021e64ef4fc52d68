import assert from 'node:assert/strict'
import { test } from 'node:test'
import { connectBroker } from '../src/index.ts'

test('connectBroker rejects a non-positive timeout before touching the disk', async () => {
  await assert.rejects(connectBroker('/nonexistent', { timeoutMs: 0 }), {
    name: 'TypeError',
    message: '"timeoutMs" option must be a positive integer',
  })
})

test('connectBroker without amqp.json fails with ERR_BROKER_CREDENTIALS_INVALID', async () => {
  await assert.rejects(connectBroker('/nonexistent'), {
    code: 'ERR_BROKER_CREDENTIALS_INVALID',
    message: 'cannot read /nonexistent/amqp.json',
  })
})

test('connectBroker rejects an empty host override', async () => {
  await assert.rejects(connectBroker('/nonexistent', { host: '' }), {
    name: 'TypeError',
    message: '"host" option must be a non-empty string',
  })
})
