/**
 * RFC 8705 mTLS endpoint alias of the partner IdP: the same token endpoint behind a listener that
 * demands a workload certificate; tokens issued there are bound to that certificate.
 */
import assert from 'node:assert/strict'
import { createHash, X509Certificate } from 'node:crypto'
import { after, before, test } from 'node:test'
import { connect } from 'node:tls'
import { createCertificateAuthority, issueWorkloadCertificate } from '@mythical/pki'
import type { KeyAndCertificate } from '@mythical/pki'
import { decodeJwt } from 'jose'
import {
  ACCESS_TOKEN_TYPE,
  AuditCollector,
  clientAssertion,
  createFederation,
  ORDER_TRACKING,
  partnerClient,
  retailToken,
  startPartner,
  TOKEN_EXCHANGE,
} from '../support/federation-fixture.ts'
import type { Federation } from '../support/federation-fixture.ts'
import { assertDecision } from '../support/audit-trail.ts'
import type { RunningPartnerIdp } from '../../src/server.ts'
import { newTrace, type Trace } from '@mythical/testing'

let federation: Federation
let audit: AuditCollector
let idp: RunningPartnerIdp
let webTls: KeyAndCertificate

before(async () => {
  federation = await createFederation()
  audit = new AuditCollector()
  ;({ idp } = await startPartner(federation.env, audit))
  webTls = await issueWorkloadCertificate(federation.retailCa, {
    spiffeId: 'spiffe://retail.mythical.example/web',
  })
})

after(async () => {
  await idp.close()
  await federation.cleanup()
})

async function exchangeAt(
  origin: string,
  client: ReturnType<typeof partnerClient>,
  trace: Trace = newTrace(),
) {
  return client.postForm(
    `${origin}/token`,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: await retailToken(federation.retailKey),
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: ORDER_TRACKING,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(federation.webKey),
    },
    trace.headers,
  )
}

test('discovery advertises the mTLS token endpoint alias and certificate-bound tokens', async () => {
  const client = partnerClient(federation.shippingCa.certPem)
  try {
    const { body } = await client.getJson(`${idp.origin}/.well-known/openid-configuration`)
    assert.deepEqual(body.mtls_endpoint_aliases, { token_endpoint: 'https://localhost:5001/token' })
    assert.equal(body.tls_client_certificate_bound_access_tokens, true)
  } finally {
    await client.close()
  }
})

test('a token obtained over the alias with web’s workload certificate is bound to it', async () => {
  const client = partnerClient(federation.shippingCa.certPem, webTls)
  try {
    const trace = newTrace()
    const response = await exchangeAt(idp.mtlsOrigin, client, trace)
    assert.equal(response.status, 200, JSON.stringify(response.body))
    const claims = decodeJwt(response.body.access_token as string)
    const der = new X509Certificate(webTls.certPem).raw
    const thumbprint = createHash('sha256').update(der).digest('base64url')
    assert.deepEqual(claims.cnf, { 'x5t#S256': thumbprint })
    assertDecision(audit.records, trace, {
      decision: 'allow',
      reason: 'federation.exchanged',
      secrets: [response.body.access_token as string],
    })
  } finally {
    await client.close()
  }
})

test('a token obtained over the edge listener carries no certificate binding', async () => {
  const client = partnerClient(federation.shippingCa.certPem)
  try {
    const response = await exchangeAt(idp.origin, client)
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.equal(decodeJwt(response.body.access_token as string).cnf, undefined)
  } finally {
    await client.close()
  }
})

/**
 * Opens a TLS connection to the alias and sends a request; resolves with `'answered'` if an HTTP
 * response came back, else the TLS error code of the server's alert, or `'closed'`.
 */
function probeAlias(clientTls?: KeyAndCertificate): Promise<string> {
  const { hostname, port } = new URL(idp.mtlsOrigin)
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      servername: 'localhost',
      ca: federation.shippingCa.certPem,
      ...(clientTls ? { cert: clientTls.certPem, key: clientTls.keyPem } : {}),
    })
    socket.on('secureConnect', () => socket.write('GET /jwks HTTP/1.1\r\nHost: localhost\r\n\r\n'))
    socket.on('data', () => {
      socket.destroy()
      resolve('answered')
    })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    socket.on('close', () => resolve('closed'))
  })
}

test('the alias answers a caller with a trusted workload certificate', async () => {
  assert.equal(await probeAlias(webTls), 'answered')
})

test('the alias refuses a caller without a client certificate during the handshake', async () => {
  assert.equal(await probeAlias(), 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
})

test('the alias refuses a client certificate from an untrusted CA', async () => {
  const rogueCa = await createCertificateAuthority({ name: 'Rogue CA' })
  const rogueTls = await issueWorkloadCertificate(rogueCa, {
    spiffeId: 'spiffe://retail.mythical.example/web',
  })
  const before = audit.records.length
  // The server aborts the handshake (alert "unknown ca"); depending on timing the client sees the
  // alert or just the closed connection — never an HTTP answer (compare the positive probe above).
  assert.match(await probeAlias(rogueTls), /^(?:closed|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)$/)
  assert.equal(audit.records.length, before, 'never reached the token endpoint')
})

test('the alias refuses every retail workload but web, though the retail CA signed it', async () => {
  // Federation needs the retail CA for one workload only: the web BFF exchanging Katie's token.
  const ordersTls = await issueWorkloadCertificate(federation.retailCa, {
    spiffeId: 'spiffe://retail.mythical.example/orders-api',
  })
  const before = audit.records.length
  assert.match(await probeAlias(ordersTls), /^(?:closed|ECONNRESET)$/)
  assert.equal(audit.records.length, before, 'never reached the token endpoint')
  assert.equal(await probeAlias(webTls), 'answered')
})
