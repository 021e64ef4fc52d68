import assert from 'node:assert/strict'
import { randomUUID, X509Certificate } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { connect as tlsConnect } from 'node:tls'
import { readFileSync } from 'node:fs'
import { BrokerConnectionFailed, checkBroker, connectBroker } from '@mythical/broker'
import { issueWorkloadCertificate } from '@mythical/pki'
import type { Channel, ChannelModel } from 'amqplib'
import { type StackPaths, INFRASTRUCTURE, workloadId } from '@mythical/stack'
import { DELIVERY_LIMIT, rabbitmqLayout, rabbitmqServer } from '../../../src/rabbitmq/index.ts'
import { mintLeaf } from '../pki/openssl-by-hand.ts'
import {
  brokerRefusal,
  connectAs,
  getMessage,
  queueOf,
  rawConnect,
  setUpBroker,
} from './broker-fixture.ts'
import { BROKER_TEST_VHOST, vhostDeclarations } from './broker-test-vhost.ts'

const PUBLISHER = 'order-fulfillment-api'
const CONSUMER = 'customers-api'
const OTHER_CONSUMER = 'payments-api'
/** Broker users are the SPIFFE ids the certificates carry (SASL EXTERNAL). */
const userOf = (service: string) => workloadId('retail', service)
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
/** Node's verdicts on a server chain that does not lead to a trusted CA. */
const UNTRUSTED_CHAIN = ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']
const LOGIN_REFUSED =
  /403 \(ACCESS-REFUSED\).*Login was refused using authentication mechanism EXTERNAL/
const PASSWORD_LOGIN_UNAVAILABLE = /SASL mechanism PLAIN is not provided by the server/

/** RabbitMQ's wording for a permission refusal on one resource, for one user. */
const refusedOn = (kind: 'queue' | 'exchange', name: string, user: string) =>
  new RegExp(
    `ACCESS_REFUSED - .*access to ${kind} '${escape(name)}' in vhost 'mythical' ` +
      `refused for user '${escape(user)}'`,
  )

let paths: StackPaths
let tearDown: () => Promise<void>
const open: ChannelModel[] = []
const track = (conn: ChannelModel) => (open.push(conn), conn)
/**
 * Tests that publish and read messages log in on the suite's own vhost: a running stack's
 * customers-api consumes its queue on the stack's vhost and would take their messages.
 */
const connectIsolated = async (service: string) =>
  track(await connectAs(paths, service, BROKER_TEST_VHOST))

before(async () => {
  ;({ paths, tearDown } = await setUpBroker())
})

after(async () => {
  await Promise.allSettled(open.map((conn) => conn.close()))
  await tearDown()
})

describe('TB08/TB09 transport: TLS only, mutual TLS', () => {
  test('a service connects with its certificate alone (EXTERNAL)', async () => {
    const conn = track(await connectAs(paths, CONSUMER))
    await checkBroker(conn)
  })

  test('dialling the broker by DNS name checks that name against its certificate', async () => {
    const conn = track(
      await connectBroker(paths.secrets(CONSUMER), { host: 'localhost', clientName: 'test:dns' }),
    )
    conn.on('error', () => {})
    await checkBroker(conn)
  })

  test('the shipping partner connects with a shipping-CA certificate', async () => {
    const conn = track(await connectAs(paths, 'shipping-api'))
    await checkBroker(conn)
  })

  test('plain AMQP on the broker port fails', async () => {
    await assert.rejects(
      rawConnect(paths, { certOwner: CONSUMER, protocol: 'amqp' }),
      (error: NodeJS.ErrnoException) => {
        // The TLS listener reads the AMQP header as a broken ClientHello and drops the socket.
        assert.ok(
          error.code === 'ECONNRESET' || /Socket closed abruptly/.test(error.message),
          `unexpected ${error.message}`,
        )
        return true
      },
    )
  })

  test('TLS without a client certificate is refused in the handshake', async () => {
    const ca = await readFile(paths.caCert('retail'))
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: INFRASTRUCTURE.rabbitmq.port, ca })
      socket.once('error', resolve)
      // TLS 1.3: the server's refusal arrives as an alert after the client's Finished.
      socket.once('secureConnect', () => socket.write('AMQP\x00\x00\x09\x01'))
      socket.once('close', () => reject(new Error('closed without a TLS alert')))
    })
    assert.equal(error.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
  })

  test('a client certificate from an untrusted domain CA (cardvault) is refused', async () => {
    await assert.rejects(
      rawConnect(paths, { certOwner: 'tokenization-api' }),
      (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')
        return true
      },
    )
  })

  test('a client trusting another CA refuses the broker certificate', async () => {
    await assert.rejects(
      connectBroker(paths.secrets(CONSUMER), { serverCaFile: paths.caCert('shipping') }),
      (error: BrokerConnectionFailed) => {
        assert.ok(error instanceof BrokerConnectionFailed)
        assert.equal(error.code, 'ERR_BROKER_CONNECTION_FAILED')
        // The broker sends its chain up to the retail CA, which this client does not trust.
        const { code } = error.cause as NodeJS.ErrnoException
        assert.ok(UNTRUSTED_CHAIN.includes(code ?? ''), `unexpected ${code}`)
        return true
      },
    )
  })
})

describe('TB08 authentication: the certificate is the only credential', () => {
  test("password login is refused, even with the service's own user name (PLAIN not offered)", async () => {
    for (const username of [userOf(CONSUMER), 'guest']) {
      await assert.rejects(
        rawConnect(paths, {
          certOwner: CONSUMER,
          login: { plain: { username, password: username === 'guest' ? 'guest' : 'anything' } },
        }),
        PASSWORD_LOGIN_UNAVAILABLE,
        username,
      )
    }
  })

  test("another service's certificate acts as that service only: naming the publisher changes nothing", async () => {
    // customers-api's certificate, with an EXTERNAL response claiming to be the publisher: the
    // broker takes the user from the certificate alone, so the publisher's rights stay out of reach.
    const conn = track(
      await rawConnect(paths, { certOwner: CONSUMER, login: { claim: userOf(PUBLISHER) } }),
    )
    const error = await brokerRefusal(conn, (ch) => {
      ch.publish('orders', 'order.placed', Buffer.from('{"forged":true}'))
      return ch.waitForConfirms()
    })
    assert.equal(error.code, 403)
    assert.match(error.message, refusedOn('exchange', 'orders', userOf(CONSUMER)))
  })

  test('a shipping-CA certificate with a look-alike name (CN=order-fulfillment-api) is refused', async () => {
    // The partner's CA may name any workload of its own domain; its SPIFFE id is then
    // spiffe://shipping.mythical.example/order-fulfillment-api, which is no broker user.
    const shippingCa = {
      certPem: readFileSync(paths.caCert('shipping'), 'utf8'),
      keyPem: readFileSync(paths.caKey('shipping'), 'utf8'),
    }
    const lookAlike = await issueWorkloadCertificate(shippingCa, {
      spiffeId: workloadId('shipping', PUBLISHER),
      validityHours: 1,
    })
    await assert.rejects(rawConnect(paths, { certificate: lookAlike }), LOGIN_REFUSED)
  })

  test("a shipping-CA certificate forging retail's SPIFFE id is refused in the handshake", async () => {
    // The holder of the partner's CA key signs, by hand, the URI SAN the broker would take as the
    // publisher's user name. The CA's URI constraint (shipping.mythical.example only) is applied
    // by the broker's verify_fun: Erlang's own path validation skips a trust anchor's constraints.
    const shippingCa = {
      certPem: readFileSync(paths.caCert('shipping'), 'utf8'),
      keyPem: readFileSync(paths.caKey('shipping'), 'utf8'),
    }
    const forged = await mintLeaf(
      shippingCa,
      `/O=shipping.mythical.example/CN=${PUBLISHER}`,
      userOf(PUBLISHER),
    )
    await assert.rejects(rawConnect(paths, { certificate: forged }), {
      code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
    })
    // Control: the signature is the shipping CA's own; only the name is out of its bounds.
    const ca = new X509Certificate(shippingCa.certPem)
    assert.equal(new X509Certificate(forged.certPem).verify(ca.publicKey), true)
  })

  test('a trusted certificate whose identity has no broker user (the IdP) is refused', async () => {
    await assert.rejects(rawConnect(paths, { certOwner: 'idp' }), LOGIN_REFUSED)
  })

  test('amqp.json holds no password, private to its service (0600)', async () => {
    for (const owner of [PUBLISHER, CONSUMER, 'shipping-api', 'stack-probe-retail']) {
      const file = `${paths.secrets(owner)}/amqp.json`
      assert.equal((await stat(file)).mode & 0o777, 0o600, owner)
      const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
      assert.deepEqual(Object.keys(stored).sort(), ['host', 'port', 'username', 'vhost'], owner)
    }
  })

  test('connectBroker refuses a secrets folder whose amqp.json names another user than its certificate', async () => {
    const { cp, mkdtemp, rm, writeFile } = await import('node:fs/promises')
    const dir = await mkdtemp('/tmp/mythical-amqp-')
    try {
      await cp(paths.secrets(CONSUMER), dir, { recursive: true })
      const stored = JSON.parse(await readFile(`${dir}/amqp.json`, 'utf8')) as object
      await writeFile(
        `${dir}/amqp.json`,
        JSON.stringify({ ...stored, username: userOf(PUBLISHER) }),
      )
      await assert.rejects(connectBroker(dir, { serverCaFile: paths.caCert('retail') }), {
        code: 'ERR_BROKER_CREDENTIALS_INVALID',
        message: new RegExp(`certificate carries ${escape(userOf(CONSUMER))}`),
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('lifecycle', () => {
  test('start and provision again keep the same VM and the same files', async () => {
    const layout = rabbitmqLayout(paths)
    const pid = await readFile(layout.pidFile, 'utf8')
    const amqp = await readFile(`${paths.secrets(CONSUMER)}/amqp.json`, 'utf8')
    await rabbitmqServer.start(paths)
    await rabbitmqServer.provision(paths)
    assert.equal(await readFile(layout.pidFile, 'utf8'), pid)
    assert.equal(await readFile(`${paths.secrets(CONSUMER)}/amqp.json`, 'utf8'), amqp)
    await checkBroker(track(await connectAs(paths, CONSUMER)))
  })

  test('the definitions file declares users without passwords and is private to the rabbitmq user', async () => {
    const layout = rabbitmqLayout(paths)
    const info = await stat(layout.definitionsFile)
    assert.equal(info.mode & 0o777, 0o600)
    const { users } = JSON.parse(await readFile(layout.definitionsFile, 'utf8')) as {
      users: { name: string; password_hash: string }[]
    }
    assert.ok(users.some((u) => u.name === userOf(CONSUMER)))
    for (const user of users) assert.equal(user.password_hash, '', user.name)
  })
})

describe('TB08/TB09 least privilege', () => {
  test("the suite's own vhost declares what the stack's vhost declares: grants, exchanges, queues, bindings", async () => {
    const [stack, isolated] = await Promise.all([
      vhostDeclarations(paths, INFRASTRUCTURE.rabbitmq.vhost),
      vhostDeclarations(paths, BROKER_TEST_VHOST),
    ])
    assert.deepEqual(isolated, stack)
    // Equal could be empty on both sides: the grants under test are there.
    assert.ok(stack.permissions.some(({ user }) => user === userOf(PUBLISHER)))
    assert.ok(stack.queues.some(({ name }) => name === `${queueOf(CONSUMER)}.dlq`))
  })

  test('the publisher publishes order.placed to orders (confirmed) and a consumer gets it', async () => {
    const publisher = await (await connectIsolated(PUBLISHER)).createConfirmChannel()
    const consumer = await (await connectIsolated(CONSUMER)).createChannel()
    const messageId = randomUUID()
    publisher.publish('orders', 'order.placed', Buffer.from('{"orderId":"o-1"}'), {
      messageId,
      persistent: true,
    })
    await publisher.waitForConfirms()
    const message = await getMessage(consumer, queueOf(CONSUMER), messageId)
    assert.ok(message, 'the consumer received the message')
    assert.equal(message.content.toString(), '{"orderId":"o-1"}')
    consumer.ack(message)
  })

  test("a consumer cannot consume or read another service's queue or its DLQ (403)", async () => {
    const conn = track(await connectAs(paths, CONSUMER))
    for (const queue of [queueOf(OTHER_CONSUMER), `${queueOf(OTHER_CONSUMER)}.dlq`]) {
      for (const [what, read] of [
        ['consume', (ch: Channel) => ch.consume(queue, () => {})],
        ['get', (ch: Channel) => ch.get(queue)],
      ] as const) {
        const error = await brokerRefusal(conn, read)
        assert.equal(error.code, 403, `${what} ${queue}`)
        assert.match(error.message, refusedOn('queue', queue, userOf(CONSUMER)))
      }
    }
  })

  test('the publisher cannot publish to any exchange but orders (403)', async () => {
    const conn = track(await connectAs(paths, PUBLISHER))
    for (const exchange of ['dead-letter', `${queueOf(CONSUMER)}.dlx`, 'amq.topic', '']) {
      const error = await brokerRefusal(conn, (ch) => {
        ch.publish(exchange, queueOf(CONSUMER), Buffer.from('{}'))
        return ch.waitForConfirms()
      })
      assert.equal(error.code, 403, `exchange "${exchange}"`)
      const name = exchange === '' ? 'amq.default' : exchange
      assert.match(error.message, refusedOn('exchange', name, userOf(PUBLISHER)))
    }
  })

  test('the publisher cannot publish other routing keys to orders (topic permission)', async () => {
    const conn = track(await connectAs(paths, PUBLISHER))
    const error = await brokerRefusal(conn, (ch) => {
      ch.publish('orders', 'order.refunded', Buffer.from('{}'))
      return ch.waitForConfirms()
    })
    assert.equal(error.code, 403)
    assert.match(
      error.message,
      new RegExp(
        `ACCESS_REFUSED - access to topic 'order\\.refunded' in exchange 'orders'.*'${escape(userOf(PUBLISHER))}'`,
      ),
    )
  })

  test('a consumer cannot publish to orders (403)', async () => {
    const conn = track(await connectAs(paths, CONSUMER))
    const error = await brokerRefusal(conn, (ch) => {
      ch.publish('orders', 'order.placed', Buffer.from('{"forged":true}'))
      return ch.waitForConfirms()
    })
    assert.equal(error.code, 403)
    assert.match(error.message, refusedOn('exchange', 'orders', userOf(CONSUMER)))
  })

  test("a consumer writes to its own dead-letter exchange, not to another's (403)", async () => {
    const conn = track(await connectAs(paths, CONSUMER))
    const own = await conn.createConfirmChannel()
    own.on('error', () => {})
    const messageId = randomUUID()
    own.publish(`${queueOf(CONSUMER)}.dlx`, '', Buffer.from('{}'), { messageId })
    await own.waitForConfirms()
    const dead = await getMessage(own, `${queueOf(CONSUMER)}.dlq`, messageId)
    assert.ok(dead, 'routed into its own DLQ')
    own.ack(dead)
    const error = await brokerRefusal(conn, (ch) => {
      ch.publish(`${queueOf(OTHER_CONSUMER)}.dlx`, '', Buffer.from('{}'))
      return ch.waitForConfirms()
    })
    assert.equal(error.code, 403)
    assert.match(
      error.message,
      refusedOn('exchange', `${queueOf(OTHER_CONSUMER)}.dlx`, userOf(CONSUMER)),
    )
  })

  test('no service can declare, bind or delete topology (configure ^$)', async () => {
    for (const service of [PUBLISHER, CONSUMER]) {
      const conn = track(await connectAs(paths, service))
      const user = userOf(service)
      const declare = await brokerRefusal(conn, (ch) => ch.assertQueue(`${service}.sneaky`))
      assert.equal(declare.code, 403)
      assert.match(declare.message, refusedOn('queue', `${service}.sneaky`, user))
      const bind = await brokerRefusal(conn, (ch) => ch.bindQueue(queueOf(CONSUMER), 'orders', '#'))
      assert.equal(bind.code, 403)
      assert.match(bind.message, refusedOn('queue', queueOf(CONSUMER), user))
      const remove = await brokerRefusal(conn, (ch) => ch.deleteQueue(queueOf(CONSUMER)))
      assert.equal(remove.code, 403)
      assert.match(remove.message, refusedOn('queue', queueOf(CONSUMER), user))
    }
  })
})

describe('TB09 dead-lettering', () => {
  test("a message nacked without requeue lands in its queue's .dlq", async () => {
    const publisher = await (await connectIsolated(PUBLISHER)).createConfirmChannel()
    const consumer = await (await connectIsolated(CONSUMER)).createChannel()
    const queue = queueOf(CONSUMER)
    const messageId = randomUUID()
    publisher.publish('orders', 'order.placed', Buffer.from('{"tampered":true}'), { messageId })
    await publisher.waitForConfirms()

    const delivered = await getMessage(consumer, queue, messageId)
    assert.ok(delivered, 'delivered to the consumer queue')
    consumer.nack(delivered, false, false)

    const dead = await getMessage(consumer, `${queue}.dlq`, messageId)
    assert.ok(dead, 'dead-lettered into the DLQ')
    const [death] = dead.properties.headers?.['x-death'] as { queue: string; reason: string }[]
    assert.equal(death?.queue, queue)
    assert.equal(death?.reason, 'rejected')
    consumer.ack(dead)
  })

  test(`a poison message requeued more than ${DELIVERY_LIMIT} times is dead-lettered`, async () => {
    const publisher = await (await connectIsolated(PUBLISHER)).createConfirmChannel()
    const consumer = await (await connectIsolated(CONSUMER)).createChannel()
    const queue = queueOf(CONSUMER)
    const messageId = randomUUID()
    publisher.publish('orders', 'order.placed', Buffer.from('{"poison":true}'), { messageId })
    await publisher.waitForConfirms()

    let deliveries = 0
    for (;;) {
      const message = await getMessage(consumer, queue, messageId, 1_000)
      if (!message) break
      deliveries += 1
      consumer.nack(message, false, true) // the consumer "crashes": back on the queue
    }
    assert.equal(deliveries, DELIVERY_LIMIT + 1)
    const dead = await getMessage(consumer, `${queue}.dlq`, messageId)
    assert.ok(dead, 'dead-lettered into the DLQ')
    const [death] = dead.properties.headers?.['x-death'] as { reason: string }[]
    assert.equal(death?.reason, 'delivery_limit')
    consumer.ack(dead)
  })
})
