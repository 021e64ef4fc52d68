import assert from 'node:assert/strict'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { before, describe, it } from 'node:test'
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  readCertificateInfo,
  type KeyAndCertificate,
} from '../src/index.ts'
import { x509 } from '../src/lib/x509.ts'

const NOW = new Date('2026-03-01T12:00:00.000Z')
const HOUR_MS = 60 * 60 * 1000
const SKEW_MS = 5 * 60 * 1000
const ORDERS_API = 'spiffe://retail.mythical.example/orders-api'
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'

describe('issueWorkloadCertificate', () => {
  let retail: KeyAndCertificate
  let cardvault: KeyAndCertificate
  let leaf: KeyAndCertificate

  before(async () => {
    retail = await createCertificateAuthority({ name: 'Mythical retail CA', now: NOW })
    cardvault = await createCertificateAuthority({ name: 'Cardvault CA', now: NOW })
    leaf = await issueWorkloadCertificate(retail, {
      spiffeId: ORDERS_API,
      dnsNames: ['localhost', 'orders-api'],
      ipAddresses: ['127.0.0.1', '::1'],
      now: NOW,
    })
  })

  it('chains to its CA', () => {
    const cert = new X509Certificate(leaf.certPem)
    const ca = new X509Certificate(retail.certPem)
    assert.equal(cert.verify(ca.publicKey), true)
    assert.equal(cert.checkIssued(ca), true)
    assert.equal(cert.ca, false)
    assert.equal(cert.issuer, 'CN=Mythical retail CA')
  })

  it('does not verify against another CA', () => {
    const cert = new X509Certificate(leaf.certPem)
    const other = new X509Certificate(cardvault.certPem)
    assert.equal(cert.verify(other.publicKey), false)
    assert.equal(cert.checkIssued(other), false)
  })

  it('carries the SPIFFE ID as URI SAN plus the DNS and IP SANs', () => {
    const cert = new X509Certificate(leaf.certPem)
    assert.equal(
      cert.subjectAltName,
      'URI:spiffe://retail.mythical.example/orders-api, DNS:localhost, DNS:orders-api, ' +
        'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    )
    assert.equal(cert.checkHost('orders-api'), 'orders-api')
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1')
    assert.equal(cert.checkHost('customers-api'), undefined)
    const info = readCertificateInfo(leaf.certPem)
    assert.deepEqual(info.spiffeIds, [ORDERS_API])
    assert.deepEqual(info.dnsNames, ['localhost', 'orders-api'])
    assert.deepEqual(info.ipAddresses, ['127.0.0.1', '::1'])
    assert.equal(info.subject, 'O=retail.mythical.example, CN=orders-api')
  })

  it('defaults the SANs to the loopback names', async () => {
    const cert = await issueWorkloadCertificate(retail, { spiffeId: ORDERS_API, now: NOW })
    const info = readCertificateInfo(cert.certPem)
    assert.deepEqual(info.dnsNames, ['localhost'])
    assert.deepEqual(info.ipAddresses, ['127.0.0.1', '::1'])
  })

  it('is a TLS server and client leaf: CA:false, digitalSignature, serverAuth + clientAuth', () => {
    const cert = new X509Certificate(leaf.certPem)
    assert.deepEqual(cert.keyUsage, [SERVER_AUTH, CLIENT_AUTH])
    const parsed = new x509.X509Certificate(leaf.certPem)
    const constraints = parsed.getExtension(x509.BasicConstraintsExtension)
    assert.equal(constraints?.ca, false)
    assert.equal(constraints?.critical, true)
    const usage = parsed.getExtension(x509.KeyUsagesExtension)
    assert.equal(usage?.usages, x509.KeyUsageFlags.digitalSignature)
    assert.equal(usage?.critical, true)
    const caKeyId = new x509.X509Certificate(retail.certPem).getExtension(
      x509.SubjectKeyIdentifierExtension,
    )?.keyId
    assert.ok(caKeyId)
    assert.equal(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caKeyId)
    assert.ok(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId)
  })

  it('comes with its own P-256 PKCS#8 key', () => {
    assert.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----\r?\n/)
    const key = createPrivateKey(leaf.keyPem)
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1')
    assert.equal(new X509Certificate(leaf.certPem).checkPrivateKey(key), true)
    assert.equal(new X509Certificate(retail.certPem).checkPrivateKey(key), false)
  })

  it('is valid for 24 hours by default', () => {
    const info = readCertificateInfo(leaf.certPem)
    assert.deepEqual(info.notBefore, new Date(NOW.getTime() - SKEW_MS))
    assert.deepEqual(info.notAfter, new Date(NOW.getTime() + 24 * HOUR_MS))
    const cert = new X509Certificate(leaf.certPem)
    assert.equal(cert.validToDate.getTime(), NOW.getTime() + 24 * HOUR_MS)
  })

  it('honours validityHours but never outlives its CA', async () => {
    const short = await issueWorkloadCertificate(retail, {
      spiffeId: ORDERS_API,
      validityHours: 2,
      now: NOW,
    })
    assert.deepEqual(
      readCertificateInfo(short.certPem).notAfter,
      new Date(NOW.getTime() + 2 * HOUR_MS),
    )
    const long = await issueWorkloadCertificate(retail, {
      spiffeId: ORDERS_API,
      validityHours: 24 * 365,
      now: NOW,
    })
    assert.deepEqual(
      readCertificateInfo(long.certPem).notAfter,
      readCertificateInfo(retail.certPem).notAfter,
    )
  })

  it('refuses an issuer that is not a CA', async () => {
    await assert.rejects(issueWorkloadCertificate(leaf, { spiffeId: ORDERS_API, now: NOW }), {
      name: 'NotACertificateAuthority',
      code: 'ERR_PKI_NOT_A_CA',
    })
  })

  it('refuses a CA key that does not belong to the CA certificate', async () => {
    const mixed = { certPem: retail.certPem, keyPem: cardvault.keyPem }
    await assert.rejects(issueWorkloadCertificate(mixed, { spiffeId: ORDERS_API, now: NOW }), {
      name: 'CaKeyMismatch',
      code: 'ERR_PKI_CA_KEY_MISMATCH',
    })
  })

  it('refuses to issue from a CA that has expired', async () => {
    const later = new Date(NOW.getTime() + 31 * 24 * HOUR_MS)
    await assert.rejects(issueWorkloadCertificate(retail, { spiffeId: ORDERS_API, now: later }), {
      name: 'CaExpired',
      code: 'ERR_PKI_CA_EXPIRED',
    })
  })

  it('refuses unparsable CA material', async () => {
    await assert.rejects(
      issueWorkloadCertificate(
        { certPem: 'nope', keyPem: retail.keyPem },
        { spiffeId: ORDERS_API },
      ),
      { code: 'ERR_PKI_INVALID_CERTIFICATE' },
    )
    await assert.rejects(
      issueWorkloadCertificate(
        { certPem: retail.certPem, keyPem: 'nope' },
        { spiffeId: ORDERS_API, now: NOW },
      ),
      { code: 'ERR_PKI_INVALID_KEY' },
    )
  })

  for (const spiffeId of [
    'https://retail.mythical.example/orders-api',
    'spiffe://retail.mythical.example',
    'spiffe://retail.mythical.example/',
    'spiffe://Retail.mythical.example/orders-api',
    'spiffe://retail.mythical.example/../idp',
    'spiffe://retail.mythical.example/orders-api?x=1',
    'spiffe://user@retail.mythical.example/orders-api',
  ]) {
    it(`rejects the malformed SPIFFE ID ${spiffeId}`, async () => {
      await assert.rejects(issueWorkloadCertificate(retail, { spiffeId, now: NOW }), {
        name: 'TypeError',
        message: '"spiffeId" option must be a SPIFFE ID: spiffe://<trust-domain>/<path>',
      })
    })
  }

  it('rejects malformed SANs and lifetimes', async () => {
    await assert.rejects(
      issueWorkloadCertificate(retail, { spiffeId: ORDERS_API, dnsNames: ['bad name'] }),
      { name: 'TypeError', message: '"dnsNames" option has an invalid DNS name: bad name' },
    )
    await assert.rejects(
      issueWorkloadCertificate(retail, { spiffeId: ORDERS_API, ipAddresses: ['localhost'] }),
      { name: 'TypeError', message: '"ipAddresses" option has an invalid IP address: localhost' },
    )
    await assert.rejects(
      issueWorkloadCertificate(retail, { spiffeId: ORDERS_API, validityHours: -1 }),
      { name: 'TypeError', message: '"validityHours" option must be a positive number' },
    )
  })
})
