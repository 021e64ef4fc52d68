/**
 * The compose broker applies each CA's name constraints (TB08/TB09 transport), as the local
 * broker does: a certificate the shipping CA signed for retail's SPIFFE id — the publisher's
 * broker user — is refused in the TLS handshake. Run by `pnpm test:compose` against its running
 * project (the host reaches the broker at its address on the project network; the port is not
 * published), with the material `.stack/compose/` holds (`MYTHICAL_STACK_DIR`). The shipping CA
 * key is copied out of the `pki-init` job's state volume into a private temporary folder for the
 * forging and removed again.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { connect, credentials } from 'amqplib'
import type { KeyAndCertificate } from '@mythical/pki'
import { INFRASTRUCTURE, SECRET_FILES, stackPaths, workloadId } from '@mythical/stack'
import { run } from '../../src/docker/run.ts'
import { COMPOSE_TEST_PROJECT, projectContainers } from '../../src/compose/project-containers.ts'
import { mintLeaf } from '../integration/pki/openssl-by-hand.ts'

const PUBLISHER = 'order-fulfillment-api'
const paths = stackPaths()
const LOGIN_REFUSED =
  /403 \(ACCESS-REFUSED\).*Login was refused using authentication mechanism EXTERNAL/

let brokerAddress = ''
let shippingCa: KeyAndCertificate
let scratch = ''

before(async () => {
  assert.ok(process.env.MYTHICAL_STACK_DIR, 'run by `pnpm test:compose` (MYTHICAL_STACK_DIR unset)')
  const containers = await projectContainers(COMPOSE_TEST_PROJECT, process.env)
  const broker = containers.find((c) => c.service === 'rabbitmq')
  const job = containers.find((c) => c.service === 'pki-init')
  assert.ok(broker?.address && job, 'the compose test project is not up')
  brokerAddress = broker.address
  scratch = await mkdtemp(join(tmpdir(), 'mythical-compose-ca-'))
  const keyFile = join(scratch, 'ca-key.pem')
  await run('docker', ['cp', `${job.id}:/app/.stack/pki/shipping/private/ca-key.pem`, keyFile])
  shippingCa = {
    certPem: await readFile(paths.caCert('shipping'), 'utf8'),
    keyPem: await readFile(keyFile, 'utf8'),
  }
})

after(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

/** An AMQPS login at the compose broker with `certificate`, the broker's name checked. */
async function login(certificate: { cert: string | Buffer; key: string | Buffer }) {
  const conn = await connect(
    {
      protocol: 'amqps',
      hostname: brokerAddress,
      port: INFRASTRUCTURE.rabbitmq.port,
      vhost: INFRASTRUCTURE.rabbitmq.vhost,
    },
    {
      ca: await readFile(paths.caCert(INFRASTRUCTURE.rabbitmq.domain)),
      servername: 'rabbitmq',
      ...certificate,
      credentials: credentials.external(),
      timeout: 5_000,
    },
  )
  conn.on('error', () => {})
  await conn.close()
}

const ownCertificate = async (owner: string) => ({
  cert: await readFile(join(paths.secrets(owner), SECRET_FILES.tlsCert)),
  key: await readFile(join(paths.secrets(owner), SECRET_FILES.tlsKey)),
})

describe('compose broker: certificate login and the CAs’ name constraints', () => {
  test('the publisher logs in with its own certificate', async () => {
    await login(await ownCertificate(PUBLISHER))
  })

  test('the shipping partner logs in with its shipping-CA certificate', async () => {
    await login(await ownCertificate('shipping-api'))
  })

  test('a shipping-CA certificate inside its own name space passes TLS and has no broker user', async () => {
    // Control for the next test: the same CA and signing path, a name the CA may issue.
    const lookAlike = await mintLeaf(
      shippingCa,
      `/O=shipping.mythical.example/CN=${PUBLISHER}`,
      workloadId('shipping', PUBLISHER),
    )
    await assert.rejects(login({ cert: lookAlike.certPem, key: lookAlike.keyPem }), LOGIN_REFUSED)
  })

  test("a shipping-CA certificate forging retail's SPIFFE id is refused in the handshake", async () => {
    const forged = await mintLeaf(
      shippingCa,
      `/O=shipping.mythical.example/CN=${PUBLISHER}`,
      workloadId('retail', PUBLISHER),
    )
    await assert.rejects(login({ cert: forged.certPem, key: forged.keyPem }), {
      code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
    })
  })
})
