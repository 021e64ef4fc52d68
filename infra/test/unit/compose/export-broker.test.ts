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
import { rabbitPasswordHash } from '../../../src/rabbitmq/password-hash.ts'
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
  password: string
}
const amqp = (dir: string): AmqpJson => JSON.parse(readFileSync(join(dir, 'amqp.json'), 'utf8'))
const definitions = (dir: string): RabbitDefinitions =>
  JSON.parse(readFileSync(join(dir, DEFINITIONS_FILE), 'utf8'))

/** Whether `hash` is RabbitMQ's salted SHA-256 of `password`. */
function hashMatches(hash: string, password: string): boolean {
  const salt = Buffer.from(hash, 'base64').subarray(0, 4)
  return rabbitPasswordHash(password, salt) === hash
}

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
      assert.deepEqual(
        { ...credentials, password: undefined },
        { ...COMPOSE_BROKER_LOCATION, username: grant.username, password: undefined },
      )
      assert.equal(credentials.host, 'rabbitmq')
      assert.equal(credentials.port, INFRASTRUCTURE.rabbitmq.port)
      assert.match(credentials.password, /^[\w-]{43}$/)
      assert.equal(statSync(join(dir, 'amqp.json')).mode & 0o777, 0o600, grant.owner)
    }
  })

  it('declares exactly those users in the broker definitions, hashes only, no guest', () => {
    const file = join(paths.secrets('rabbitmq'), DEFINITIONS_FILE)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const text = readFileSync(file, 'utf8')
    const { users, vhosts } = definitions(paths.secrets('rabbitmq'))
    assert.deepEqual(users.map((u) => u.name).sort(), [...usernames].sort())
    assert.ok(!users.some((u) => u.name === 'guest'))
    assert.deepEqual(vhosts, [{ name: INFRASTRUCTURE.rabbitmq.vhost }])
    for (const grant of brokerGrants()) {
      const { password } = amqp(paths.secrets(grant.owner))
      const user = users.find((u) => u.name === grant.username)
      assert.ok(user && hashMatches(user.password_hash, password), grant.username)
      assert.ok(!text.includes(password), `${grant.username}'s password is in clear`)
    }
  })

  it('rejects a wrong password against a declared hash (the check above can fail)', () => {
    const [user] = definitions(paths.secrets('rabbitmq')).users
    assert.ok(user)
    assert.equal(hashMatches(user.password_hash, 'not-the-password'), false)
  })

  it('keeps every password across runs, so a second `up` does not lock services out', async () => {
    const before = brokerGrants().map((g) => amqp(paths.secrets(g.owner)).password)
    await exportBrokerCredentials(paths)
    assert.deepEqual(
      brokerGrants().map((g) => amqp(paths.secrets(g.owner)).password),
      before,
    )
  })

  it("reaches the volumes through exportPki: the broker's definitions, each user's amqp.json", () => {
    // The test above re-ran the broker export (fresh salts): export again, as every `up` does.
    exportPki(paths, out)
    const exported = definitions(join(out, 'secrets', 'rabbitmq'))
    assert.deepEqual(exported, definitions(paths.secrets('rabbitmq')))
    for (const grant of brokerGrants()) {
      assert.deepEqual(amqp(join(out, 'secrets', grant.owner)), amqp(paths.secrets(grant.owner)))
    }
    assert.throws(() => amqp(join(out, 'secrets', 'tokenization-api')), { code: 'ENOENT' })
  })
})
