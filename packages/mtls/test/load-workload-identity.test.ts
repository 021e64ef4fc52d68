import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { issueWorkloadCertificate } from '@mythical/pki'
import { loadWorkloadIdentity } from '../src/index.ts'
import { createCa } from './helpers/identities.ts'

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function secretsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtls-identity-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

describe('loadWorkloadIdentity', async () => {
  const ca = await createCa('retail')
  const otherCa = await createCa('retail-impostor')
  const leaf = await issueWorkloadCertificate(ca, {
    spiffeId: 'spiffe://retail.mythical.example/orders-api',
  })

  it('reads tls.crt, tls.key and ca.pem and derives the SPIFFE id and domain', () => {
    const dir = secretsDir({
      'tls.crt': leaf.certPem,
      'tls.key': leaf.keyPem,
      'ca.pem': ca.certPem,
    })
    assert.deepEqual(loadWorkloadIdentity(dir), {
      spiffeId: 'spiffe://retail.mythical.example/orders-api',
      domain: 'retail',
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      caPem: ca.certPem,
    })
  })

  it('fails with ERR_MTLS_SECRET_UNREADABLE when a file is missing', () => {
    const dir = secretsDir({
      'tls.crt': leaf.certPem,
      'tls.key': leaf.keyPem,
      'ca.pem': ca.certPem,
    })
    unlinkSync(join(dir, 'tls.key'))
    assert.throws(() => loadWorkloadIdentity(dir), {
      code: 'ERR_MTLS_SECRET_UNREADABLE',
      message: 'cannot read workload secret "tls.key"',
    })
  })

  it('fails when tls.crt is not a certificate', () => {
    const dir = secretsDir({ 'tls.crt': 'garbage', 'tls.key': leaf.keyPem, 'ca.pem': ca.certPem })
    assert.throws(() => loadWorkloadIdentity(dir), {
      code: 'ERR_MTLS_INVALID_CERTIFICATE',
      message: '"tls.crt" is not a PEM certificate',
    })
  })

  it('fails when the key belongs to another certificate', async () => {
    const other = await issueWorkloadCertificate(ca, {
      spiffeId: 'spiffe://retail.mythical.example/customers-api',
    })
    const dir = secretsDir({
      'tls.crt': leaf.certPem,
      'tls.key': other.keyPem,
      'ca.pem': ca.certPem,
    })
    assert.throws(() => loadWorkloadIdentity(dir), {
      code: 'ERR_MTLS_INVALID_CERTIFICATE',
      message: '"tls.key" does not match "tls.crt"',
    })
  })

  it('fails when the certificate is not issued by ca.pem', () => {
    const dir = secretsDir({
      'tls.crt': leaf.certPem,
      'tls.key': leaf.keyPem,
      'ca.pem': otherCa.certPem,
    })
    assert.throws(() => loadWorkloadIdentity(dir), {
      code: 'ERR_MTLS_INVALID_CERTIFICATE',
      message: '"tls.crt" is not issued by "ca.pem"',
    })
  })

  it('fails with ERR_MTLS_CERTIFICATE_EXPIRED outside the validity period', () => {
    const dir = secretsDir({
      'tls.crt': leaf.certPem,
      'tls.key': leaf.keyPem,
      'ca.pem': ca.certPem,
    })
    const tomorrowAndABit = new Date(Date.now() + 25 * 60 * 60 * 1000)
    assert.throws(() => loadWorkloadIdentity(dir, tomorrowAndABit), {
      code: 'ERR_MTLS_CERTIFICATE_EXPIRED',
    })
  })

  it('fails for a SPIFFE id outside the *.mythical.example trust domains', async () => {
    const foreign = await issueWorkloadCertificate(ca, {
      spiffeId: 'spiffe://evil.example/orders-api',
    })
    const dir = secretsDir({
      'tls.crt': foreign.certPem,
      'tls.key': foreign.keyPem,
      'ca.pem': ca.certPem,
    })
    assert.throws(() => loadWorkloadIdentity(dir), {
      code: 'ERR_MTLS_INVALID_SPIFFE_ID',
      message: 'trust domain "evil.example" is not a *.mythical.example domain',
    })
  })
})
