import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, stackPaths } from '@mythical/stack'
import { rabbitmqLayout, nodeEnvironment, NODE_NAME } from '../../../src/rabbitmq/layout.ts'
import {
  CERTIFICATE_LOGIN,
  ENABLED_PLUGINS,
  renderAdvancedConfig,
  renderRabbitmqConfig,
} from '../../../src/rabbitmq/render-config.ts'

const layout = rabbitmqLayout(stackPaths('/repo'))
const lines = renderRabbitmqConfig(layout).split('\n')

test('no plain listener; TLS on 127.0.0.1:56710 only', () => {
  assert.ok(lines.includes('listeners.tcp = none'))
  assert.deepEqual(
    lines.filter((l) => l.startsWith('listeners.')),
    ['listeners.tcp = none', 'listeners.ssl.default = 127.0.0.1:56710'],
  )
})

test('mutual TLS in advanced.config: peer verified, client certificate mandatory, TLS 1.2+ only', () => {
  const advanced = renderAdvancedConfig(layout)
  for (const term of [
    '{verify, verify_peer}',
    '{fail_if_no_peer_cert, true}',
    "{versions, ['tlsv1.3', 'tlsv1.2']}",
    '{cacertfile, "/repo/.stack/rabbitmq/tls/client-ca-bundle.pem"}',
    '{certfile, "/repo/.stack/rabbitmq/tls/tls.crt"}',
    '{keyfile, "/repo/.stack/rabbitmq/tls/tls.key"}',
  ]) {
    assert.ok(advanced.includes(term), term)
  }
  assert.equal(/tlsv1(\.1)?'/.test(advanced), false)
  // One source of TLS options: an ssl_options in advanced.config replaces rabbitmq.conf's.
  assert.equal(
    lines.some((l) => l.startsWith('ssl_options.')),
    false,
  )
})

test("the issuing CA's name constraints are applied by the verify_fun (state: the CA bundle)", () => {
  assert.ok(
    renderAdvancedConfig(layout).includes(
      '{verify_fun, {mythical_anchor_constraints, verify, "/repo/.stack/rabbitmq/tls/client-ca-bundle.pem"}}',
    ),
  )
  assert.ok(
    nodeEnvironment(layout).RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS?.endsWith(
      '-pa /repo/.stack/rabbitmq/ebin',
    ),
  )
})

test('certificate-only login: SASL EXTERNAL alone, user = first URI SAN (the SPIFFE id)', () => {
  assert.deepEqual(
    lines.filter((l) => l.startsWith('auth_mechanisms.') || l.startsWith('ssl_cert_login')),
    [
      'auth_mechanisms.1 = EXTERNAL',
      'ssl_cert_login_from = subject_alternative_name',
      'ssl_cert_login_san_type = uri',
      'ssl_cert_login_san_index = 0',
    ],
  )
  assert.equal(ENABLED_PLUGINS, '[rabbitmq_auth_mechanism_ssl].\n')
})

test('the compose broker logs in the same way (infra/docker/rabbitmq.conf)', () => {
  const compose = readFileSync(join(REPO_ROOT, 'infra/docker/rabbitmq.conf'), 'utf8').split('\n')
  for (const line of CERTIFICATE_LOGIN) assert.ok(compose.includes(line), line)
  assert.equal(compose.filter((l) => l.startsWith('auth_mechanisms.')).length, 1)
  assert.equal(
    readFileSync(join(REPO_ROOT, 'infra/docker/rabbitmq-enabled-plugins'), 'utf8'),
    ENABLED_PLUGINS,
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

test('another node instance gets its own name, ports and files (a test broker to restart)', () => {
  const other = rabbitmqLayout(stackPaths('/tmp/other'), {
    nodeName: 'mythical-test@localhost',
    port: 56711,
    distPort: 56721,
  })
  assert.ok(renderRabbitmqConfig(other).includes('listeners.ssl.default = 127.0.0.1:56711\n'))
  const env = nodeEnvironment(other)
  assert.equal(env.RABBITMQ_NODENAME, 'mythical-test@localhost')
  assert.equal(env.RABBITMQ_DIST_PORT, '56721')
  assert.equal(env.RABBITMQ_PID_FILE, '/tmp/other/.stack/rabbitmq/rabbitmq.pid')
})
