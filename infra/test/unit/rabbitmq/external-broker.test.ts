import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseAdminUrl } from '../../../src/rabbitmq/external-broker.ts'

test('AMQP_ADMIN_URL: amqps URL gives host, port, vhost and a display form without secrets', () => {
  assert.deepEqual(parseAdminUrl('amqps://admin:s3cret@broker.example:5671/shop'), {
    host: 'broker.example',
    port: 5671,
    vhost: 'shop',
    display: 'amqps://broker.example:5671/shop',
  })
})

test('AMQP_ADMIN_URL: default port 5671 and the stack vhost', () => {
  const broker = parseAdminUrl('amqps://broker.example')
  assert.equal(broker.port, 5671)
  assert.equal(broker.vhost, 'mythical')
})

test('AMQP_ADMIN_URL: plain amqp and garbage are refused, naming the variable', () => {
  assert.throws(() => parseAdminUrl('amqp://broker.example:5672/'), {
    name: 'TypeError',
    message: 'AMQP_ADMIN_URL must use amqps:',
  })
  assert.throws(() => parseAdminUrl('not a url'), {
    name: 'TypeError',
    message: 'AMQP_ADMIN_URL must be a URL like amqps://broker.example:5671/mythical',
  })
})
