import assert from 'node:assert/strict'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { describe, it } from 'node:test'
import { createCertificateAuthority, readCertificateInfo } from '../src/index.ts'
import { x509 } from '../src/lib/x509.ts'

const NOW = new Date('2026-03-01T12:00:00.000Z')
const DAY_MS = 24 * 60 * 60 * 1000

describe('createCertificateAuthority', () => {
  it('creates a self-signed CA restricted to signing leaves', async () => {
    const ca = await createCertificateAuthority({ name: 'Mythical retail CA', now: NOW })
    const cert = new X509Certificate(ca.certPem)
    assert.equal(cert.ca, true)
    assert.equal(cert.subject, 'CN=Mythical retail CA')
    assert.equal(cert.checkIssued(cert), true)
    assert.equal(cert.verify(cert.publicKey), true)
    assert.equal(cert.checkPrivateKey(createPrivateKey(ca.keyPem)), true)
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1')

    const parsed = new x509.X509Certificate(ca.certPem)
    const constraints = parsed.getExtension(x509.BasicConstraintsExtension)
    assert.equal(constraints?.ca, true)
    assert.equal(constraints?.pathLength, 0)
    assert.equal(constraints?.critical, true)
    const usage = parsed.getExtension(x509.KeyUsagesExtension)
    assert.equal(usage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)
    assert.equal(usage?.critical, true)
    assert.ok(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId)
  })

  it('keeps its private key as PKCS#8 PEM', async () => {
    const ca = await createCertificateAuthority({ name: 'Mythical retail CA', now: NOW })
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\r?\n/)
  })

  it('is valid for 30 days by default, backdated five minutes for clock skew', async () => {
    const info = readCertificateInfo(
      (await createCertificateAuthority({ name: 'CA', now: NOW })).certPem,
    )
    assert.equal(info.isCa, true)
    assert.deepEqual(info.notBefore, new Date(NOW.getTime() - 5 * 60 * 1000))
    assert.deepEqual(info.notAfter, new Date(NOW.getTime() + 30 * DAY_MS))
  })

  it('honours validityDays', async () => {
    const ca = await createCertificateAuthority({ name: 'CA', validityDays: 2, now: NOW })
    assert.deepEqual(readCertificateInfo(ca.certPem).notAfter, new Date(NOW.getTime() + 2 * DAY_MS))
  })

  it('creates a distinct key and serial every time', async () => {
    const a = await createCertificateAuthority({ name: 'CA', now: NOW })
    const b = await createCertificateAuthority({ name: 'CA', now: NOW })
    assert.notEqual(a.keyPem, b.keyPem)
    assert.notEqual(
      new X509Certificate(a.certPem).serialNumber,
      new X509Certificate(b.certPem).serialNumber,
    )
  })

  it('rejects bad options with a TypeError naming the option', async () => {
    await assert.rejects(createCertificateAuthority({ name: ' ' }), {
      name: 'TypeError',
      message: '"name" option must be a non-empty string',
    })
    await assert.rejects(createCertificateAuthority({ name: 'CA', validityDays: 0 }), {
      name: 'TypeError',
      message: '"validityDays" option must be a positive number',
    })
    await assert.rejects(createCertificateAuthority({ name: 'CA', now: new Date(Number.NaN) }), {
      name: 'TypeError',
      message: '"now" option must be a valid Date',
    })
  })
})
