import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { connect, createServer, type Server } from 'node:tls'
import { AsnConvert } from '@peculiar/asn1-schema'
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  Name,
  NameConstraints,
} from '@peculiar/asn1-x509'
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  permittedSubjectNames,
  permittedTrustDomains,
  type KeyAndCertificate,
} from '../src/index.ts'
import { exportPrivateKeyPem, generateKeyPair, importSigningKey } from '../src/lib/keys.ts'
import { x509 } from '../src/lib/x509.ts'

const RETAIL = 'retail.mythical.example'
const SHIPPING = 'shipping.mythical.example'

/**
 * A leaf signed with `ca`'s key by hand, bypassing `issueWorkloadCertificate` and its checks:
 * what the holder of a CA key can mint, whatever subject it chooses.
 */
async function mintByHand(
  ca: KeyAndCertificate,
  subject: string,
  spiffeId: string,
): Promise<KeyAndCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem)
  const keys = await generateKeyPair()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject,
    issuer: caCert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 60 * 60_000),
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.keyPem),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }]),
    ],
  })
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) }
}

/**
 * A CA whose constraints disagree: SPIFFE IDs of `uriHost`, subjects under `O=<organization>`.
 * No `createCertificateAuthority` CA looks like this; it isolates the subject check of
 * `issueWorkloadCertificate` from its SPIFFE ID check.
 */
async function mismatchedCa(uriHost: string, organization: string): Promise<KeyAndCertificate> {
  const keys = await generateKeyPair()
  const directoryName = AsnConvert.parse(new x509.Name(`O=${organization}`).toArrayBuffer(), Name)
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([
      new GeneralSubtree({ base: new GeneralName({ uniformResourceIdentifier: uriHost }) }),
      new GeneralSubtree({ base: new GeneralName({ directoryName }) }),
    ]),
  })
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=mismatched CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 60 * 60_000),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(constraints)),
    ],
  })
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) }
}

describe('CA directoryName constraint', () => {
  let shipping: KeyAndCertificate
  let mtlsServer: Server
  const servers: Server[] = []

  const listen = async (server: Server): Promise<number> => {
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return (server.address() as AddressInfo).port
  }

  /**
   * Connects to the mTLS server (trusting only the shipping CA, client certificate required)
   * presenting `client`; resolves with what the server answered, empty when it hung up.
   */
  const answerTo = async (client: KeyAndCertificate): Promise<string> => {
    const { port } = mtlsServer.address() as AddressInfo
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: shipping.certPem,
      cert: client.certPem,
      key: client.keyPem,
    })
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
    // A refused client certificate surfaces as a reset on the client side (TLS 1.3 sends the
    // verdict after the client's handshake is done); the answer tells both cases apart.
    socket.on('error', () => undefined)
    await once(socket, 'close')
    return answer
  }

  before(async () => {
    shipping = await createCertificateAuthority({ name: 'shipping CA', trustDomain: SHIPPING })
    const serverLeaf = await issueWorkloadCertificate(shipping, {
      spiffeId: `spiffe://${SHIPPING}/server`,
    })
    mtlsServer = createServer(
      { cert: serverLeaf.certPem, key: serverLeaf.keyPem, ca: shipping.certPem, requestCert: true },
      (socket) => socket.end(socket.authorized ? 'authorized' : 'unauthorized'),
    )
    await listen(mtlsServer)
  })
  after(() => servers.forEach((server) => server.close()))

  it('permits both the SPIFFE IDs and the subject DNs of its own trust domain', async () => {
    assert.deepEqual(permittedTrustDomains(shipping.certPem), [SHIPPING])
    assert.deepEqual(permittedSubjectNames(shipping.certPem), [`O=${SHIPPING}`])
    const plain = await createCertificateAuthority({ name: 'plain CA' })
    assert.equal(permittedSubjectNames(plain.certPem), undefined)
  })

  it('issues leaves whose subject starts with the permitted O, then the CN', async () => {
    const leaf = await issueWorkloadCertificate(shipping, {
      spiffeId: `spiffe://${SHIPPING}/shipping-api`,
    })
    assert.equal(new x509.X509Certificate(leaf.certPem).subject, `O=${SHIPPING}, CN=shipping-api`)
    assert.equal(await answerTo(leaf), 'authorized')
  })

  it('accepts a hand-minted client certificate with a subject of its own domain', async () => {
    // Control for the next test: same minting, same key, only the subject O differs.
    const legit = await mintByHand(
      shipping,
      `O=${SHIPPING}, CN=orders-api`,
      `spiffe://${SHIPPING}/orders-api`,
    )
    assert.equal(await answerTo(legit), 'authorized')
  })

  it('rejects a client certificate claiming a retail subject signed with the shipping CA key', async () => {
    const forged = await mintByHand(
      shipping,
      `O=${RETAIL}, CN=orders-api`,
      `spiffe://${SHIPPING}/orders-api`,
    )
    assert.equal(await answerTo(forged), '')
    // The same certificate as a server one, to read OpenSSL's reason on the verifying side:
    // X509_V_ERR_PERMITTED_VIOLATION, which Node has no code name for.
    const port = await listen(
      createServer({ cert: forged.certPem, key: forged.keyPem }, (socket) => socket.end()),
    )
    const socket = connect({ host: '127.0.0.1', port, ca: shipping.certPem })
    try {
      await assert.rejects(once(socket, 'secureConnect'), {
        message: 'permitted subtree violation',
      })
    } finally {
      socket.destroy()
    }
  })

  it('refuses to issue a subject outside the permitted directoryName', async () => {
    const ca = await mismatchedCa(RETAIL, SHIPPING)
    await assert.rejects(
      issueWorkloadCertificate(ca, { spiffeId: `spiffe://${RETAIL}/orders-api` }),
      {
        name: 'NameConstraintViolation',
        code: 'ERR_PKI_NAME_CONSTRAINT',
        message: `CA may only issue subjects under O=${SHIPPING}; not O=${RETAIL}, CN=orders-api`,
      },
    )
  })
})
