import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { connect, createServer, type Server } from 'node:tls'
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  permittedTrustDomains,
  type KeyAndCertificate,
} from '../src/index.ts'
import { x509 } from '../src/lib/x509.ts'

const RETAIL = 'retail.mythical.example'

/**
 * The same CA (same key, subject and key identifier) without its name constraints: what a CA key
 * thief, or a buggy issuer, could sign with. Lets the tests check that the TLS stack itself
 * enforces the constraints of the CA certificate it trusts.
 */
async function unconstrainedTwin(ca: KeyAndCertificate): Promise<KeyAndCertificate> {
  const original = new x509.X509Certificate(ca.certPem)
  const privateKey = await globalThis.crypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.keyPem),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  )
  const publicKey = await original.publicKey.export()
  const twin = await x509.X509CertificateGenerator.createSelfSigned({
    name: original.subjectName,
    notBefore: original.notBefore,
    notAfter: original.notAfter,
    keys: { privateKey, publicKey },
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  })
  return { certPem: twin.toString('pem'), keyPem: ca.keyPem }
}

/** TLS handshake to a server presenting `leaf`, trusting only `caPem`. */
async function handshake(server: Server, caPem: string): Promise<void> {
  const { port } = server.address() as AddressInfo
  const socket = connect({ host: '127.0.0.1', port, ca: caPem })
  try {
    await once(socket, 'secureConnect')
  } finally {
    socket.destroy()
  }
}

describe('CA name constraints', () => {
  let retail: KeyAndCertificate
  let twin: KeyAndCertificate
  const servers: Server[] = []

  const serve = async (leaf: KeyAndCertificate): Promise<Server> => {
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => socket.end())
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return server
  }

  before(async () => {
    retail = await createCertificateAuthority({ name: 'retail CA', trustDomain: RETAIL })
    twin = await unconstrainedTwin(retail)
  })
  after(() => servers.forEach((server) => server.close()))

  it('puts a critical nameConstraints extension permitting only the trust domain', async () => {
    assert.deepEqual(permittedTrustDomains(retail.certPem), [RETAIL])
    const extension = new x509.X509Certificate(retail.certPem).getExtension('2.5.29.30')
    assert.equal(extension?.critical, true)
    const plain = await createCertificateAuthority({ name: 'plain CA' })
    assert.equal(permittedTrustDomains(plain.certPem), undefined)
  })

  it('issues SPIFFE IDs of its own trust domain', async () => {
    const leaf = await issueWorkloadCertificate(retail, {
      spiffeId: `spiffe://${RETAIL}/orders-api`,
    })
    await handshake(await serve(leaf), retail.certPem)
  })

  it('refuses to issue a SPIFFE ID of another trust domain', async () => {
    await assert.rejects(
      issueWorkloadCertificate(retail, { spiffeId: 'spiffe://shipping.mythical.example/api' }),
      {
        name: 'NameConstraintViolation',
        code: 'ERR_PKI_NAME_CONSTRAINT',
        message:
          'CA may only issue SPIFFE IDs of retail.mythical.example, not of shipping.mythical.example',
      },
    )
  })

  it('makes TLS peers reject a foreign SPIFFE ID signed with the CA key anyway', async () => {
    const forged = await issueWorkloadCertificate(twin, {
      spiffeId: 'spiffe://shipping.mythical.example/shipping-api',
    })
    // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION; Node has no code name for it.
    await assert.rejects(handshake(await serve(forged), retail.certPem), {
      message: 'permitted subtree violation',
    })
    // Control: the twin's signature itself is fine, only the name is out of bounds.
    const legit = await issueWorkloadCertificate(twin, { spiffeId: `spiffe://${RETAIL}/idp` })
    await handshake(await serve(legit), retail.certPem)
  })

  it('rejects a malformed trust domain', async () => {
    await assert.rejects(createCertificateAuthority({ name: 'CA', trustDomain: 'Retail/x' }), {
      name: 'TypeError',
      message: '"trustDomain" option must be a SPIFFE trust domain name',
    })
  })
})
