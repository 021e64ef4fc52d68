/**
 * Certificates made with the `openssl` CLI, bypassing `@mythical/pki` and every check it makes:
 * what the holder of a CA key can sign, or what an older version of the PKI left on disk.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { KeyAndCertificate } from '@mythical/pki'

const run = promisify(execFile)

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mythical-openssl-'))
  try {
    return await work(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * A one-hour client/server leaf with subject `subject` (OpenSSL slash form, e.g.
 * `/O=retail.mythical.example/CN=orders-api`) and the URI SAN `spiffeId`, signed with `ca`.
 */
export function mintLeaf(
  ca: KeyAndCertificate,
  subject: string,
  spiffeId: string,
): Promise<KeyAndCertificate> {
  return inTempDir(async (dir) => {
    const file = (name: string) => join(dir, name)
    await writeFile(file('ca.pem'), ca.certPem)
    await writeFile(file('ca-key.pem'), ca.keyPem, { mode: 0o600 })
    await writeFile(
      file('ext.cnf'),
      [
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = serverAuth, clientAuth',
        `subjectAltName = URI:${spiffeId}`,
      ].join('\n'),
    )
    // genpkey writes PKCS#8, the key format the stack's clients load.
    const genpkey = ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
    await run('openssl', [...genpkey, '-out', file('key.pem')])
    await run('openssl', [
      'req',
      '-new',
      '-key',
      file('key.pem'),
      '-subj',
      subject,
      '-out',
      file('csr.pem'),
    ])
    await run('openssl', [
      ...['x509', '-req', '-in', file('csr.pem'), '-days', '1', '-sha256'],
      ...['-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial'],
      ...['-extfile', file('ext.cnf'), '-out', file('cert.pem')],
    ])
    return {
      certPem: await readFile(file('cert.pem'), 'utf8'),
      keyPem: await readFile(file('key.pem'), 'utf8'),
    }
  })
}

/**
 * A 30-day self-signed CA certificate for `keyPem` with subject `subject` (slash form) and critical
 * name constraints, given as the lines of an OpenSSL config section (e.g.
 * `permitted;URI.0 = retail.mythical.example`), possibly followed by the sections they reference.
 */
export function selfSignedCa(
  keyPem: string,
  subject: string,
  nameConstraints: string[],
): Promise<string> {
  return inTempDir(async (dir) => {
    const keyPath = join(dir, 'ca-key.pem')
    const configPath = join(dir, 'ca.cnf')
    await writeFile(keyPath, keyPem, { mode: 0o600 })
    await writeFile(
      configPath,
      [
        '[req]',
        'distinguished_name = dn',
        '[dn]',
        '[ca]',
        'basicConstraints = critical, CA:TRUE, pathlen:0',
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        'nameConstraints = critical, @constraints',
        '[constraints]',
        ...nameConstraints,
      ].join('\n'),
    )
    const { stdout } = await run('openssl', [
      ...['req', '-x509', '-new', '-key', keyPath, '-subj', subject, '-days', '30', '-sha256'],
      ...['-config', configPath, '-extensions', 'ca'],
    ])
    return stdout
  })
}
