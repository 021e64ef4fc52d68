/**
 * The oidc-provider RFC 8705 hooks against real TLS sockets: only a handshake-verified
 * certificate counts, and a client matches by its SPIFFE id only.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { test } from 'node:test'
import type { TLSSocket } from 'node:tls'
import {
  certificateAuthorized,
  certificateSubjectMatches,
  getCertificate,
} from '../../src/index.ts'
import { createTestSecrets } from '../../src/testing/index.ts'

const web = await createTestSecrets('web')
web.cleanup()
const raw = new X509Certificate(web.identity.certPem).raw

/** A context whose socket looks like a TLS socket after a handshake with `authorized`. */
function ctx(socket: Partial<TLSSocket> | Socket) {
  return { req: { socket } as unknown as IncomingMessage }
}
const tls = (authorized: boolean, peer: { raw?: Buffer } = { raw }) =>
  ctx({ authorized, getPeerCertificate: (() => peer) as TLSSocket['getPeerCertificate'] })

const WEB = 'spiffe://retail.mythical.example/web'

test('a verified client certificate is returned as PEM and authorizes', () => {
  const pem = getCertificate(tls(true))
  assert.equal(pem, new X509Certificate(raw).toString())
  assert.equal(certificateAuthorized(tls(true)), true)
})

test('an unverified certificate, a plain socket or no certificate count as none', () => {
  for (const c of [tls(false), ctx(new Socket()), tls(true, {})]) {
    assert.equal(getCertificate(c), undefined)
  }
  assert.equal(certificateAuthorized(tls(false)), false)
  assert.equal(certificateAuthorized(ctx(new Socket())), false)
})

test('a tls_client_auth client matches by the SPIFFE id of its verified certificate only', () => {
  assert.equal(certificateSubjectMatches(tls(true), 'tls_client_auth_san_uri', WEB), true)
  assert.equal(
    certificateSubjectMatches(
      tls(true),
      'tls_client_auth_san_uri',
      'spiffe://retail.mythical.example/gateway',
    ),
    false,
  )
  assert.equal(certificateSubjectMatches(tls(false), 'tls_client_auth_san_uri', WEB), false)
  // Subject DN, DNS or IP matching is never used for workloads.
  assert.equal(certificateSubjectMatches(tls(true), 'tls_client_auth_subject_dn', WEB), false)
  assert.equal(certificateSubjectMatches(tls(true), 'tls_client_auth_san_dns', 'localhost'), false)
})
