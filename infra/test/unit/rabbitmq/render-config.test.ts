import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stackPaths } from '@mythical/stack'
import { rabbitmqLayout, nodeEnvironment, NODE_NAME } from '../../../src/rabbitmq/layout.ts'
import { renderRabbitmqConfig } from '../../../src/rabbitmq/render-config.ts'

const layout = rabbitmqLayout(stackPaths('/repo'))
const lines = renderRabbitmqConfig(layout).split('\n')

test('no plain listener; TLS on 127.0.0.1:56710 only', () => {
  assert.ok(lines.includes('listeners.tcp = none'))
  assert.deepEqual(
    lines.filter((l) => l.startsWith('listeners.')),
    ['listeners.tcp = none', 'listeners.ssl.default = 127.0.0.1:56710'],
  )
})

test('mutual TLS: peer verified, client certificate mandatory, TLS 1.2+ only', () => {
  for (const line of [
    'ssl_options.verify = verify_peer',
    'ssl_options.fail_if_no_peer_cert = true',
    'ssl_options.versions.1 = tlsv1.3',
    'ssl_options.versions.2 = tlsv1.2',
    'ssl_options.cacertfile = /repo/.stack/rabbitmq/tls/client-ca-bundle.pem',
    'ssl_options.certfile = /repo/.stack/rabbitmq/tls/tls.crt',
    'ssl_options.keyfile = /repo/.stack/rabbitmq/tls/tls.key',
  ]) {
    assert.ok(lines.includes(line), line)
  }
  assert.equal(
    lines.some((l) => /^ssl_options\.versions\.\d+ = tlsv1(\.1)?$/.test(l)),
    false,
  )
})

test('users and topology are loaded from the definitions file at boot (no guest seeded)', () => {
  assert.ok(lines.includes('load_definitions = /repo/.stack/rabbitmq/definitions.json'))
})

test('the node is isolated from the machine broker: own name, dist port and files', () => {
  const env = nodeEnvironment(layout)
  assert.equal(NODE_NAME, 'mythical@localhost')
  assert.equal(env.RABBITMQ_NODENAME, NODE_NAME)
  assert.equal(env.RABBITMQ_DIST_PORT, '56720')
  for (const [name, value] of Object.entries(env)) {
    if (name.endsWith('_FILE') || name.endsWith('_BASE')) {
      assert.ok(value.startsWith('/repo/.stack/rabbitmq/'), `${name}=${value}`)
    }
  }
})
