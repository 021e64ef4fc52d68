/**
 * Refused handshakes leave an audit record: real TLS listeners and clients, one per cause the
 * listener can tell apart, and a flood that is counted instead of written line by line.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:https'
import { connect as connectTcp, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect } from 'node:tls'
import { createAuditLogger } from '@mythical/audit'
import { issueWorkloadCertificate, type KeyAndCertificate } from '@mythical/pki'
import {
  auditHandshakeRefusals,
  HANDSHAKE_REASONS,
  handshakeRefusalReason,
  mtlsServerOptions,
  type HandshakeAuditOptions,
} from '../src/index.ts'
import { createCa, createIdentity } from './helpers/identities.ts'

const DAY_MS = 86_400_000
const lastWeek = new Date(Date.now() - 7 * DAY_MS)
const retailCa = await createCa('retail', lastWeek)
const otherCa = await createCa('retail')
const ordersApi = await createIdentity(retailCa, 'retail', 'orders-api')
const caller = 'spiffe://retail.mythical.example/order-fulfillment-api'
const certificates = {
  valid: await issueWorkloadCertificate(retailCa, { spiffeId: caller }),
  otherCa: await issueWorkloadCertificate(otherCa, { spiffeId: caller }),
  expired: await issueWorkloadCertificate(retailCa, {
    spiffeId: caller,
    now: lastWeek,
    validityHours: 1,
  }),
  notYetValid: await issueWorkloadCertificate(retailCa, {
    spiffeId: caller,
    now: new Date(Date.now() + 2 * DAY_MS),
  }),
}

const servers: Server[] = []
after(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
})

interface LogLine {
  readonly audit?: true
  readonly level: string
  readonly msg: string
  readonly [member: string]: unknown
}

/** An mTLS listener whose refusals are audited into `lines`. */
async function startListener(opts: HandshakeAuditOptions = {}) {
  const lines: LogLine[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as LogLine)
      }
      done()
    },
  })
  const audit = createAuditLogger({ service: 'orders-api', destination })
  const server = createServer(mtlsServerOptions(ordersApi), (_req, res) => res.end('ok'))
  auditHandshakeRefusals(server, audit, opts)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, port, records: () => lines.filter((line) => line.audit === true), lines }
}

/** One TLS client: `answered` when an HTTP status line came back. */
function handshake(
  port: number,
  cert: KeyAndCertificate | undefined,
  extra: { maxVersion?: 'TLSv1.2' } = {},
): Promise<'answered' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: retailCa.certPem,
      ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
      ...extra,
    })
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n'))
    socket.once('data', () => {
      resolve('answered')
      socket.destroy()
    })
    socket.on('error', () => resolve('refused'))
    socket.on('close', () => resolve('refused'))
  })
}

/** Waits until `count` records are there (the server's side may lag the client's by a tick). */
async function recordsAfter(listener: { records: () => LogLine[] }, count: number) {
  for (let i = 0; i < 100 && listener.records().length < count; i++) await sleep(10)
  return listener.records()
}

describe('auditHandshakeRefusals', () => {
  it('writes nothing for a caller with a valid workload certificate', async () => {
    const listener = await startListener()
    assert.equal(await handshake(listener.port, certificates.valid), 'answered')
    await sleep(50)
    assert.deepEqual(listener.records(), [])
  })

  const causes = [
    ['no certificate', undefined, HANDSHAKE_REASONS.noCertificate],
    ['a certificate from another CA', certificates.otherCa, HANDSHAKE_REASONS.untrustedIssuer],
    ['an expired certificate', certificates.expired, HANDSHAKE_REASONS.certificateExpired],
    [
      'a certificate not valid yet',
      certificates.notYetValid,
      HANDSHAKE_REASONS.certificateNotYetValid,
    ],
  ] as const
  for (const [name, cert, reason] of causes) {
    it(`audits ${name} as ${reason}, with boundary and peer address`, async () => {
      const listener = await startListener({ boundary: 'TB06' })
      assert.equal(await handshake(listener.port, cert), 'refused')
      const [record, ...more] = await recordsAfter(listener, 1)
      assert.deepEqual(more, [])
      assert.ok(record)
      assert.match(String(record.traceId), /^[0-9a-f]{32}$/)
      assert.deepEqual(
        { ...record, traceId: undefined, time: undefined },
        {
          level: 'info',
          service: 'orders-api',
          boundary: 'TB06',
          address: '127.0.0.1',
          decision: 'deny',
          reason,
          audit: true,
          msg: `deny ${reason}`,
          traceId: undefined,
          time: undefined,
        },
      )
    })
  }

  it('audits a protocol the listener does not speak (TLS 1.2 at an internal listener)', async () => {
    const listener = await startListener()
    const outcome = await handshake(listener.port, certificates.valid, { maxVersion: 'TLSv1.2' })
    assert.equal(outcome, 'refused')
    const records = await recordsAfter(listener, 1)
    assert.deepEqual(
      records.map((r) => r.reason),
      [HANDSHAKE_REASONS.protocol],
    )
    const detail = listener.lines.find((line) => line.msg === 'TLS handshake refused')
    assert.equal(detail?.tlsError, 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    assert.equal(detail?.traceId, records[0]?.traceId)
  })

  it('writes nothing when a client only opens and closes a TCP connection', async () => {
    const listener = await startListener()
    await new Promise<void>((resolve) => {
      const socket = connectTcp(listener.port, '127.0.0.1', () => socket.end())
      socket.on('close', () => resolve())
    })
    await sleep(50)
    assert.deepEqual(listener.records(), [])
  })

  it('counts a flood past the budget and reports the counts when the window ends', async () => {
    const listener = await startListener({ maxRecordsPerWindow: 2, windowMs: 1_000 })
    for (let i = 0; i < 3; i++) await handshake(listener.port, undefined)
    for (let i = 0; i < 2; i++) await handshake(listener.port, certificates.otherCa)
    const records = await recordsAfter(listener, 3)
    assert.deepEqual(
      records.map((r) => r.reason),
      [
        HANDSHAKE_REASONS.noCertificate,
        HANDSHAKE_REASONS.noCertificate,
        HANDSHAKE_REASONS.throttled,
      ],
    )
    for (let i = 0; i < 100; i++) {
      if (listener.lines.some((line) => line.level === 'warn')) break
      await sleep(20)
    }
    const summary = listener.lines.filter((line) => line.level === 'warn')
    assert.deepEqual(
      summary.map((line) => line.handshakeRefusalsNotAudited),
      [{ [HANDSHAKE_REASONS.noCertificate]: 1, [HANDSHAKE_REASONS.untrustedIssuer]: 2 }],
    )
    // A new window audits again, one by one.
    assert.equal(await handshake(listener.port, undefined), 'refused')
    const later = await recordsAfter(listener, 4)
    assert.equal(later.at(-1)?.reason, HANDSHAKE_REASONS.noCertificate)
    assert.equal(later.length, 4)
  })

  it('rejects a budget or window that is not a positive integer', () => {
    const audit = createAuditLogger({ service: 'orders-api', level: 'silent' })
    const server = createServer(mtlsServerOptions(ordersApi))
    assert.throws(() => auditHandshakeRefusals(server, audit, { maxRecordsPerWindow: 0 }), {
      message: '"maxRecordsPerWindow" option must be a positive integer',
    })
    assert.throws(() => auditHandshakeRefusals(server, audit, { windowMs: 1.5 }), {
      message: '"windowMs" option must be a positive integer',
    })
  })
})

describe('handshakeRefusalReason', () => {
  it('names a verify failure by its OpenSSL code, whatever the socket error says', () => {
    assert.equal(
      handshakeRefusalReason('ECONNRESET', 'SELF_SIGNED_CERT_IN_CHAIN'),
      HANDSHAKE_REASONS.untrustedIssuer,
    )
    assert.equal(
      handshakeRefusalReason('ECONNRESET', 'PERMITTED_SUBTREE_VIOLATION'),
      HANDSHAKE_REASONS.certificateRejected,
    )
  })

  it('is undefined when the peer went away without being refused', () => {
    assert.equal(handshakeRefusalReason('ECONNRESET', undefined), undefined)
    assert.equal(handshakeRefusalReason(undefined, undefined), undefined)
  })

  it('treats a handshake timeout as a failed handshake', () => {
    assert.equal(
      handshakeRefusalReason('ERR_TLS_HANDSHAKE_TIMEOUT', undefined),
      HANDSHAKE_REASONS.protocol,
    )
  })
})
