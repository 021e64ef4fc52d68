import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { test } from 'node:test'
import { createCertificateAuthority, issueWorkloadCertificate } from '@mythical/pki'
import { OAuthKitError, assertCertificateBound, certificateThumbprint } from '../../src/index.ts'

const ca = await createCertificateAuthority({ name: 'test retail CA' })
const issue = async (name: string) =>
  new X509Certificate(
    (await issueWorkloadCertificate(ca, { spiffeId: `spiffe://retail.mythical.example/${name}` }))
      .certPem,
  )
const gateway = await issue('gateway')
const ordersApi = await issue('orders-api')
const bound = { cnf: { 'x5t#S256': certificateThumbprint(gateway) } }

const refused = (fn: () => void, code: string) =>
  assert.throws(fn, (err: unknown) => err instanceof OAuthKitError && err.code === code)

test('the thumbprint is base64url(SHA-256(DER)), the same for the certificate and its DER', () => {
  assert.match(certificateThumbprint(gateway), /^[A-Za-z0-9_-]{43}$/)
  assert.equal(certificateThumbprint(gateway.raw), certificateThumbprint(gateway))
})

test('a token bound to the presented certificate passes', () => {
  assertCertificateBound(bound, gateway)
  assertCertificateBound(bound, gateway.raw)
})

test('another workload’s certificate, or none, is refused', () => {
  refused(() => assertCertificateBound(bound, ordersApi), 'cnf.certificate_mismatch')
  refused(() => assertCertificateBound(bound, undefined), 'cnf.certificate_mismatch')
})

test('a token without cnf.x5t#S256 is refused where binding is required', () => {
  refused(() => assertCertificateBound({}, gateway), 'cnf.missing')
  refused(() => assertCertificateBound({ cnf: { jkt: 'abc' } }, gateway), 'cnf.missing')
})
