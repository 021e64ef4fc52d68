import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createCertificateAuthority, readCertificateInfo } from '../src/index.ts'

describe('readCertificateInfo', () => {
  it('reads a CA certificate', async () => {
    const now = new Date('2026-03-01T12:00:00.000Z')
    const ca = await createCertificateAuthority({ name: 'Shipping CA', now, validityDays: 1 })
    assert.deepEqual(readCertificateInfo(ca.certPem), {
      subject: 'CN=Shipping CA',
      issuer: 'CN=Shipping CA',
      spiffeIds: [],
      dnsNames: [],
      ipAddresses: [],
      notBefore: new Date('2026-03-01T11:55:00.000Z'),
      notAfter: new Date('2026-03-02T12:00:00.000Z'),
      isCa: true,
    })
  })

  it('throws a typed error for anything that is not a PEM certificate', async () => {
    const ca = await createCertificateAuthority({ name: 'CA' })
    for (const input of ['', 'not a certificate', ca.keyPem]) {
      assert.throws(() => readCertificateInfo(input), {
        name: 'InvalidCertificate',
        code: 'ERR_PKI_INVALID_CERTIFICATE',
        message: 'not a PEM X.509 certificate',
      })
    }
  })
})
