import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  COMPOSE_BROKER_LOCATION,
  DEFINITIONS_FILE,
  exportBrokerCredentials,
} from '../../../src/compose/export-broker.ts'
import { exportPki } from '../../../src/compose/export-pki.ts'
import { stackPaths, INFRASTRUCTURE } from '@mythical/stack'
import { ensurePki } from '../../../src/pki/index.ts'
import { brokerGrants } from '../../../src/rabbitmq/grants.ts'
import type { RabbitDefinitions } from '../../../src/rabbitmq/definitions.ts'

const root = mkdtempSync(join(tmpdir(), 'export-broker-'))
const paths = stackPaths(join(root, 'state'))
const out = join(root, 'export')
after(() => rmSync(root, { recursive: true, force: true }))

interface AmqpJson {
  host: string
  port: number
  vhost: string
  username: string
}
const amqp = (dir: string): AmqpJson => JSON.parse(readFileSync(join(dir, 'amqp.json'), 'utf8'))
const definitions = (dir: string): RabbitDefinitions =>
  JSON.parse(readFileSync(join(dir, DEFINITIONS_FILE), 'utf8'))

let usernames: string[] = []
before(async () => {
  await ensurePki(paths)
  usernames = await exportBrokerCredentials(paths)
  exportPki(paths, out)
})

describe('exportBrokerCredentials (compose pki-init)', () => {
  it("writes each broker user's amqp.json, addressed to the rabbitmq container, owner-only", () => {
    assert.deepEqual(
      usernames,
      brokerGrants().map((g) => g.username),
    )
    for (const grant of brokerGrants()) {
      const dir = paths.secrets(grant.owner)
      const credentials = amqp(dir)
      // No password: the certificate is the login (SASL EXTERNAL).
      assert.deepEqual(credentials, { ...COMPOSE_BROKER_LOCATION, username: grant.username })
      assert.equal(credentials.host, 'rabbitmq')
      assert.equal(credentials.port, INFRASTRUCTURE.rabbitmq.port)
      assert.equal(statSync(join(dir, 'amqp.json')).mode & 0o777, 0o600, grant.owner)
    }
  })

  it('declares exactly those users in the broker definitions, no password, no guest', () => {
    const file = join(paths.secrets('rabbitmq'), DEFINITIONS_FILE)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const { users, vhosts } = definitions(paths.secrets('rabbitmq'))
    assert.deepEqual(users.map((u) => u.name).sort(), [...usernames].sort())
    assert.ok(!users.some((u) => u.name === 'guest'))
    assert.deepEqual(vhosts, [{ name: INFRASTRUCTURE.rabbitmq.vhost }])
    for (const user of users) assert.equal(user.password_hash, '', user.name)
  })

  it('a second export writes the same files (a re-run `up` changes nothing)', async () => {
    const before = brokerGrants().map((g) => amqp(paths.secrets(g.owner)))
    const defs = definitions(paths.secrets('rabbitmq'))
    await exportBrokerCredentials(paths)
    assert.deepEqual(
      brokerGrants().map((g) => amqp(paths.secrets(g.owner))),
      before,
    )
    assert.deepEqual(definitions(paths.secrets('rabbitmq')), defs)
  })

  it("reaches the volumes through exportPki: the broker's definitions, each user's amqp.json", () => {
    exportPki(paths, out)
    const exported = definitions(join(out, 'secrets', 'rabbitmq'))
    assert.deepEqual(exported, definitions(paths.secrets('rabbitmq')))
    for (const grant of brokerGrants()) {
      assert.deepEqual(amqp(join(out, 'secrets', grant.owner)), amqp(paths.secrets(grant.owner)))
    }
    assert.throws(() => amqp(join(out, 'secrets', 'tokenization-api')), { code: 'ENOENT' })
  })
})
