/**
 * A trust-domain CA constrains DNS names and IP addresses too: it may sign server certificates
 * only for the host names its workloads use (locally `localhost`, in compose their service
 * names) and the loopback addresses. A leaf for `DNS:evil.example` or another IP, even one signed
 * with the CA key by hand, fails verification in Node's TLS stack and in `openssl verify`.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { connect, createServer, type Server } from 'node:tls'
import { promisify } from 'node:util'
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  permittedDnsNames,
  permittedIpAddresses,
  type KeyAndCertificate,
} from '../src/index.ts'
import { exportPrivateKeyPem, generateKeyPair, importSigningKey } from '../src/lib/keys.ts'
import { x509 } from '../src/lib/x509.ts'

const RETAIL = 'retail.mythical.example'
const run = promisify(execFile)

/**
 * A leaf signed with `ca`'s key by hand, bypassing `issueWorkloadCertificate` and its checks, with
 * a subject and SPIFFE ID of the CA's own domain and the given host names.
 */
async function mintByHand(
  ca: KeyAndCertificate,
  hosts: { dns?: string[]; ip?: string[] },
): Promise<KeyAndCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem)
  const keys = await generateKeyPair()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: `O=${RETAIL}, CN=gateway`,
    issuer: caCert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 60 * 60_000),
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.keyPem),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: `spiffe://${RETAIL}/gateway` },
        ...(hosts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(hosts.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  })
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) }
}

describe('CA DNS and IP name constraints', () => {
  let retail: KeyAndCertificate
  let dir: string
  const servers: Server[] = []

  /** TLS handshake to a server presenting `leaf`, trusting only the retail CA. */
  const handshake = async (leaf: KeyAndCertificate, servername: string): Promise<void> => {
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (s) => s.end())
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const socket = connect({ host: '127.0.0.1', port, ca: retail.certPem, servername })
    try {
      await once(socket, 'secureConnect')
    } finally {
      socket.destroy()
    }
  }

  /** `openssl verify` of `leaf` against the retail CA only; resolves with its output. */
  const opensslVerify = async (leaf: KeyAndCertificate): Promise<string> => {
    const caFile = join(dir, 'ca.pem')
    const leafFile = join(dir, 'leaf.pem')
    await writeFile(caFile, retail.certPem)
    await writeFile(leafFile, leaf.certPem)
    try {
      const { stdout, stderr } = await run('openssl', ['verify', '-CAfile', caFile, leafFile])
      return stdout + stderr
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string }
      return stdout + stderr
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pki-hosts-'))
    retail = await createCertificateAuthority({
      name: 'retail CA',
      trustDomain: RETAIL,
      dnsNames: ['localhost', 'gateway'],
    })
  })
  after(async () => {
    servers.forEach((server) => server.close())
    await rm(dir, { recursive: true, force: true })
  })

  it('permits exactly the given DNS names and the loopback addresses', async () => {
    assert.deepEqual(permittedDnsNames(retail.certPem), ['localhost', 'gateway'])
    assert.deepEqual(permittedIpAddresses(retail.certPem), ['127.0.0.1', '::1'])
    const defaults = await createCertificateAuthority({ name: 'CA', trustDomain: RETAIL })
    assert.deepEqual(permittedDnsNames(defaults.certPem), ['localhost'])
    const plain = await createCertificateAuthority({ name: 'plain CA' })
    assert.equal(permittedDnsNames(plain.certPem), undefined)
    assert.equal(permittedIpAddresses(plain.certPem), undefined)
  })

  it('issues leaves for the permitted names, which TLS and OpenSSL accept', async () => {
    const leaf = await issueWorkloadCertificate(retail, {
      spiffeId: `spiffe://${RETAIL}/gateway`,
      dnsNames: ['localhost', 'gateway'],
    })
    await handshake(leaf, 'localhost')
    await handshake(leaf, 'gateway')
    assert.match(await opensslVerify(leaf), /: OK/)
    // Control for the forgeries below: minted by hand the same way, permitted names only.
    const byHand = await mintByHand(retail, { dns: ['localhost'], ip: ['127.0.0.1'] })
    await handshake(byHand, 'localhost')
    assert.match(await opensslVerify(byHand), /: OK/)
  })

  it('makes TLS and OpenSSL reject a leaf for DNS:evil.example signed with the CA key', async () => {
    const forged = await mintByHand(retail, { dns: ['evil.example'] })
    // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION; Node has no code name for it.
    await assert.rejects(handshake(forged, 'evil.example'), {
      message: 'permitted subtree violation',
    })
    assert.match(await opensslVerify(forged), /permitted subtree violation/)
  })

  it('makes TLS and OpenSSL reject a leaf for an address outside loopback', async () => {
    const forged = await mintByHand(retail, { dns: ['localhost'], ip: ['10.0.0.7'] })
    await assert.rejects(handshake(forged, 'localhost'), {
      message: 'permitted subtree violation',
    })
    assert.match(await opensslVerify(forged), /permitted subtree violation/)
  })

  it('refuses to issue a DNS name or address outside its constraints', async () => {
    await assert.rejects(
      issueWorkloadCertificate(retail, {
        spiffeId: `spiffe://${RETAIL}/gateway`,
        dnsNames: ['evil.example'],
      }),
      {
        name: 'NameConstraintViolation',
        code: 'ERR_PKI_NAME_CONSTRAINT',
        message: 'CA may only issue DNS names localhost, gateway; not evil.example',
      },
    )
    await assert.rejects(
      issueWorkloadCertificate(retail, {
        spiffeId: `spiffe://${RETAIL}/gateway`,
        ipAddresses: ['10.0.0.7'],
      }),
      {
        name: 'NameConstraintViolation',
        message: 'CA may only issue IP addresses 127.0.0.1, ::1; not 10.0.0.7',
      },
    )
  })
})
