import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rabbitPasswordHash } from '../../../src/rabbitmq/password-hash.ts'

test('matches the RabbitMQ documentation vector (salt 908DC60A, "test12")', () => {
  assert.equal(
    rabbitPasswordHash('test12', Buffer.from('908DC60A', 'hex')),
    'kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR',
  )
})

test('salts every hash: the same password hashes differently twice', () => {
  const a = rabbitPasswordHash('same-password')
  const b = rabbitPasswordHash('same-password')
  assert.notEqual(a, b)
  assert.equal(Buffer.from(a, 'base64').length, 4 + 32)
})

test('rejects a salt that is not 4 bytes', () => {
  assert.throws(() => rabbitPasswordHash('x', Buffer.alloc(8)), {
    name: 'TypeError',
    message: 'salt must be 4 bytes',
  })
})
