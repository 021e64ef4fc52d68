import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  createCertificateAuthority,
  permittedDnsNames,
  permittedIpAddresses,
  permittedSubjectNames,
  permittedTrustDomains,
  readCertificateInfo,
} from '@mythical/pki'
import {
  SECRET_FILES,
  SHARED_SECRETS,
  type StackPaths,
  SERVICES,
  TRUST_DOMAINS,
} from '@mythical/stack'
import { caDnsNames, ensurePki, pkiIdentities } from '../../../src/pki/index.ts'
import { selfSignedCa } from './openssl-by-hand.ts'
import { tempStack } from './temp-stack.ts'

const NOW = new Date('2026-03-01T12:00:00.000Z')
const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS
const later = (ms: number) => new Date(NOW.getTime() + ms)

const identities = pkiIdentities()
const tlsLabels = identities.map((identity) => `tls/${identity.name}`)
/** Per service: its JWK pair and its data key; once each, the shared secrets (kept like them). */
const jwksLabels = [
  ...SERVICES.flatMap((service) => [`jwks/${service.name}`, `data-key/${service.name}`]),
  ...SHARED_SECRETS.map(({ file }) => `shared/${file}`),
]
const caLabels = TRUST_DOMAINS.map((domain) => `ca/${domain}`)
const sorted = (items: string[]) => [...items].sort()

const read = (path: string) => readFile(path, 'utf8')
const secret = (paths: StackPaths, name: string, file: string) =>
  read(join(paths.secrets(name), file))

/** Text of every file under `dir`, recursively. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return Promise.all(entries.filter((e) => e.isFile()).map((e) => read(join(e.parentPath, e.name))))
}

describe('ensurePki', () => {
  let paths: StackPaths
  let remove: () => Promise<void>

  before(async () => {
    ;({ paths, remove } = await tempStack())
  })
  after(() => remove())

  it('issues a CA per domain, a certificate per identity, JWKs and a data key per service', async () => {
    const result = await ensurePki(paths, { now: NOW })
    assert.deepEqual(sorted(result.issued), sorted([...caLabels, ...tlsLabels, ...jwksLabels]))
    assert.deepEqual(result.renewed, [])
    assert.deepEqual(result.kept, [])
  })

  it('lays out every service of the manifest with its SPIFFE id and its domain CA', async () => {
    for (const identity of identities) {
      const certPem = await secret(paths, identity.name, SECRET_FILES.tlsCert)
      const caPem = await read(paths.caCert(identity.domain))
      assert.equal(await secret(paths, identity.name, SECRET_FILES.ca), caPem, identity.name)

      const info = readCertificateInfo(certPem)
      assert.deepEqual(info.spiffeIds, [identity.spiffeId])
      assert.deepEqual(info.dnsNames, [...identity.dnsNames])
      assert.deepEqual(info.ipAddresses, ['127.0.0.1', '::1'])
      assert.equal(info.isCa, false)
      assert.equal(info.issuer, `CN=${identity.domain}.mythical.example CA`)
      assert.deepEqual(info.notAfter, later(24 * HOUR_MS))

      const cert = new X509Certificate(certPem)
      const ca = new X509Certificate(caPem)
      assert.equal(cert.verify(ca.publicKey), true, identity.name)
      for (const other of TRUST_DOMAINS.filter((domain) => domain !== identity.domain)) {
        const otherCa = new X509Certificate(await read(paths.caCert(other)))
        assert.equal(cert.verify(otherCa.publicKey), false, `${identity.name} vs ${other}`)
      }
    }
    for (const service of SERVICES) {
      assert.ok(
        new X509Certificate(await secret(paths, service.name, SECRET_FILES.tlsCert)).checkHost(
          service.name,
        ),
      )
      assert.equal(
        readCertificateInfo(await secret(paths, service.name, SECRET_FILES.tlsCert)).spiffeIds[0],
        `spiffe://${service.domain}.mythical.example/${service.name}`,
      )
    }
  })

  it('writes private JWKs with RFC 7638 kids and publishes only their public halves', async () => {
    for (const service of SERVICES) {
      const signing = JSON.parse(await secret(paths, service.name, SECRET_FILES.signingKey))
      const encryption = JSON.parse(await secret(paths, service.name, SECRET_FILES.encryptionKey))
      assert.equal(signing.alg, 'ES256')
      assert.equal(signing.use, 'sig')
      assert.equal(encryption.alg, 'ECDH-ES+A256KW')
      assert.equal(encryption.use, 'enc')
      for (const jwk of [signing, encryption]) {
        assert.equal(jwk.kty, 'EC')
        assert.equal(jwk.crv, 'P-256')
        assert.equal(typeof jwk.d, 'string')
      }
      const jwks = JSON.parse(await read(paths.publicJwks(service.domain, service.name)))
      const withoutD = (jwk: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(jwk).filter(([member]) => member !== 'd'))
      assert.deepEqual(jwks, { keys: [withoutD(signing), withoutD(encryption)] })
      assert.ok(jwks.keys.every((jwk: Record<string, unknown>) => !('d' in jwk)))
      assert.notEqual(signing.kid, encryption.kid)
    }
  })

  it('gives every service its own 256-bit data key, never published under pki/', async () => {
    const published = await allFiles(paths.pki)
    const seen = new Set<string>()
    for (const service of SERVICES) {
      const jwk = JSON.parse(await secret(paths, service.name, SECRET_FILES.dataKey))
      assert.deepEqual(Object.keys(jwk).sort(), ['k', 'kid', 'kty'])
      assert.equal(jwk.kty, 'oct')
      assert.equal(Buffer.from(jwk.k, 'base64url').length, 32)
      assert.ok(jwk.kid.length > 0)
      assert.ok(!seen.has(jwk.k), `${service.name} shares a data key`)
      seen.add(jwk.k)
      for (const text of published) assert.ok(!text.includes(jwk.k), `${service.name} published`)
    }
  })

  it('name-constrains each CA to its own trust domain', async () => {
    for (const domain of TRUST_DOMAINS) {
      const caPem = await read(paths.caCert(domain))
      assert.deepEqual(permittedTrustDomains(caPem), [`${domain}.mythical.example`])
      assert.deepEqual(permittedSubjectNames(caPem), [`O=${domain}.mythical.example`])
      // Host names: exactly those its identities carry (localhost, compose service names).
      const hostNames = identities
        .filter((identity) => identity.domain === domain)
        .flatMap((identity) => identity.dnsNames)
      assert.deepEqual(sorted(permittedDnsNames(caPem) ?? []), sorted([...new Set(hostNames)]))
      assert.deepEqual(permittedIpAddresses(caPem), ['127.0.0.1', '::1'])
    }
    assert.ok(!caDnsNames('shipping').includes('idp'), 'no CA may sign another domain’s hosts')
  })

  it('keeps everything on a second run', async () => {
    const before = await secret(paths, 'orders-api', SECRET_FILES.tlsCert)
    const result = await ensurePki(paths, { now: later(HOUR_MS) })
    assert.deepEqual(result.issued, [])
    assert.deepEqual(result.renewed, [])
    assert.deepEqual(sorted(result.kept), sorted([...caLabels, ...tlsLabels, ...jwksLabels]))
    assert.equal(await secret(paths, 'orders-api', SECRET_FILES.tlsCert), before)
  })

  it('keeps leaves with more than a third of their lifetime left', async () => {
    const result = await ensurePki(paths, { now: later(15 * HOUR_MS) })
    assert.deepEqual(result.renewed, [])
  })

  it('renews leaves past two thirds of their lifetime, keeping CAs, JWKs and data keys', async () => {
    const signing = await secret(paths, 'orders-api', SECRET_FILES.signingKey)
    const dataKey = await secret(paths, 'idp', SECRET_FILES.dataKey)
    const oldKey = await secret(paths, 'orders-api', SECRET_FILES.tlsKey)
    const now = later(17 * HOUR_MS)
    const result = await ensurePki(paths, { now })
    assert.deepEqual(sorted(result.renewed), sorted(tlsLabels))
    assert.deepEqual(sorted(result.kept), sorted([...caLabels, ...jwksLabels]))
    const info = readCertificateInfo(await secret(paths, 'orders-api', SECRET_FILES.tlsCert))
    assert.deepEqual(info.notAfter, new Date(now.getTime() + 24 * HOUR_MS))
    assert.notEqual(await secret(paths, 'orders-api', SECRET_FILES.tlsKey), oldKey)
    assert.equal(await secret(paths, 'orders-api', SECRET_FILES.signingKey), signing)
    assert.equal(await secret(paths, 'idp', SECRET_FILES.dataKey), dataKey)
  })

  it('renews a CA nearing expiry together with all its leaves', async () => {
    const oldCa = await read(paths.caCert('retail'))
    const result = await ensurePki(paths, { now: later(21 * DAY_MS) })
    assert.deepEqual(sorted(result.renewed), sorted([...caLabels, ...tlsLabels]))
    assert.deepEqual(sorted(result.kept), sorted(jwksLabels))
    const newCa = await read(paths.caCert('retail'))
    assert.notEqual(newCa, oldCa)
    const leaf = new X509Certificate(await secret(paths, 'orders-api', SECRET_FILES.tlsCert))
    assert.equal(leaf.verify(new X509Certificate(newCa).publicKey), true)
    assert.equal(await secret(paths, 'orders-api', SECRET_FILES.ca), newCa)
  })

  it('re-issues the leaves of a CA that was replaced, and only those', async () => {
    const now = later(21 * DAY_MS + HOUR_MS)
    await rm(paths.caCert('cardvault'))
    await rm(paths.caKey('cardvault'))
    const result = await ensurePki(paths, { now })
    const cardvault = identities.filter((identity) => identity.domain === 'cardvault')
    assert.deepEqual(result.issued, ['ca/cardvault'])
    assert.deepEqual(
      sorted(result.renewed),
      sorted(cardvault.map((identity) => `tls/${identity.name}`)),
    )
  })

  it('replaces a certificate that carries someone else’s identity', async () => {
    const now = later(21 * DAY_MS + 2 * HOUR_MS)
    const dir = paths.secrets('orders-api')
    for (const file of [SECRET_FILES.tlsCert, SECRET_FILES.tlsKey]) {
      await writeFile(join(dir, file), await secret(paths, 'customers-api', file))
    }
    const result = await ensurePki(paths, { now })
    assert.deepEqual(result.renewed, ['tls/orders-api'])
    const info = readCertificateInfo(await secret(paths, 'orders-api', SECRET_FILES.tlsCert))
    assert.deepEqual(info.spiffeIds, ['spiffe://retail.mythical.example/orders-api'])
  })

  it('replaces a certificate whose key was lost or swapped', async () => {
    const now = later(21 * DAY_MS + 3 * HOUR_MS)
    await rm(join(paths.secrets('payments-api'), SECRET_FILES.tlsKey))
    await writeFile(
      join(paths.secrets('idp'), SECRET_FILES.tlsKey),
      await secret(paths, 'web', SECRET_FILES.tlsKey),
    )
    const result = await ensurePki(paths, { now })
    assert.deepEqual(sorted(result.renewed), ['tls/idp', 'tls/payments-api'])
  })

  it('replaces a CA that is not name-constrained to its trust domain', async () => {
    const now = later(21 * DAY_MS + 5 * HOUR_MS)
    const loose = await createCertificateAuthority({ name: 'loose', now })
    await writeFile(paths.caCert('shipping'), loose.certPem)
    await writeFile(paths.caKey('shipping'), loose.keyPem)
    const result = await ensurePki(paths, { now })
    assert.deepEqual(
      result.renewed.filter((label) => label.startsWith('ca/')),
      ['ca/shipping'],
    )
    const shipping = identities.filter((identity) => identity.domain === 'shipping')
    assert.deepEqual(
      sorted(result.renewed.filter((label) => label.startsWith('tls/'))),
      sorted(shipping.map((identity) => `tls/${identity.name}`)),
    )
    assert.deepEqual(permittedTrustDomains(await read(paths.caCert('shipping'))), [
      'shipping.mythical.example',
    ])
  })

  it('replaces a CA from before the subject DN constraint and re-issues its leaves', async () => {
    const { paths: fresh, remove: removeFresh } = await tempStack()
    const SHIPPING = 'shipping.mythical.example'
    // openssl stamps the current time: ensurePki runs on the real clock here.
    const rewriteShippingCa = async (constraints: string[]) => {
      const keyPem = await read(fresh.caKey('shipping'))
      const certPem = await selfSignedCa(keyPem, `/CN=${SHIPPING} CA`, constraints)
      await writeFile(fresh.caCert('shipping'), certPem)
    }
    const shippingLeaves = identities
      .filter((identity) => identity.domain === 'shipping')
      .map((identity) => `tls/${identity.name}`)
    try {
      await ensurePki(fresh)
      // Control: the same key with every constraint, made by openssl, is kept.
      await rewriteShippingCa(currentConstraints(SHIPPING, caDnsNames('shipping')))
      assert.ok((await ensurePki(fresh)).kept.includes('ca/shipping'))

      // What the PKI made before: SPIFFE IDs constrained, subject DNs not.
      await rewriteShippingCa([`permitted;URI.0 = ${SHIPPING}`])
      const result = await ensurePki(fresh)
      assert.deepEqual(
        result.renewed.filter((label) => label.startsWith('ca/')),
        ['ca/shipping'],
      )
      assert.deepEqual(
        sorted(result.renewed.filter((label) => label.startsWith('tls/'))),
        sorted(shippingLeaves),
      )
      const caPem = await read(fresh.caCert('shipping'))
      assert.deepEqual(permittedSubjectNames(caPem), [`O=${SHIPPING}`])
      for (const leaf of shippingLeaves) {
        const certPem = await secret(fresh, leaf.slice('tls/'.length), SECRET_FILES.tlsCert)
        assert.equal(
          new X509Certificate(certPem).verify(new X509Certificate(caPem).publicKey),
          true,
        )
      }
    } finally {
      await removeFresh()
    }
  })

  it('replaces a CA from before the host name constraints and re-issues its leaves', async () => {
    const { paths: fresh, remove: removeFresh } = await tempStack()
    const RETAIL = 'retail.mythical.example'
    const rewriteRetailCa = async (constraints: string[]) => {
      const keyPem = await read(fresh.caKey('retail'))
      await writeFile(
        fresh.caCert('retail'),
        await selfSignedCa(keyPem, `/CN=${RETAIL} CA`, constraints),
      )
    }
    const retailLeaves = identities
      .filter((identity) => identity.domain === 'retail')
      .map((identity) => `tls/${identity.name}`)
    try {
      await ensurePki(fresh)
      // Control: every current constraint, made by openssl, is kept.
      await rewriteRetailCa(currentConstraints(RETAIL, caDnsNames('retail')))
      assert.ok((await ensurePki(fresh)).kept.includes('ca/retail'))

      // What the PKI made before: SPIFFE IDs and subject DNs constrained, DNS names and IPs not.
      await rewriteRetailCa(currentConstraints(RETAIL, []).filter((line) => !/DNS|IP/.test(line)))
      const result = await ensurePki(fresh)
      assert.deepEqual(
        result.renewed.filter((label) => label.startsWith('ca/')),
        ['ca/retail'],
      )
      assert.deepEqual(
        sorted(result.renewed.filter((label) => label.startsWith('tls/'))),
        sorted(retailLeaves),
      )
      const caPem = await read(fresh.caCert('retail'))
      assert.deepEqual(sorted(permittedDnsNames(caPem) ?? []), sorted(caDnsNames('retail')))

      // A manifest that names one more host than the CA permits also renews it.
      await rewriteRetailCa(currentConstraints(RETAIL, caDnsNames('retail').slice(1)))
      assert.ok((await ensurePki(fresh)).renewed.includes('ca/retail'))
    } finally {
      await removeFresh()
    }
  })

  it('honours validityHours for new certificates', async () => {
    const { paths: fresh, remove: removeFresh } = await tempStack()
    try {
      await ensurePki(fresh, { now: NOW, validityHours: 2 })
      const info = readCertificateInfo(await secret(fresh, 'gateway', SECRET_FILES.tlsCert))
      assert.deepEqual(info.notAfter, later(2 * HOUR_MS))
    } finally {
      await removeFresh()
    }
  })

  it('fails loudly on a corrupted private JWK instead of replacing it', async () => {
    const path = join(paths.secrets('web'), SECRET_FILES.signingKey)
    const original = await read(path)
    try {
      const jwk = JSON.parse(original)
      await writeFile(path, JSON.stringify({ ...jwk, kid: 'not-the-thumbprint' }))
      await assert.rejects(ensurePki(paths, { now: later(21 * DAY_MS + 6 * HOUR_MS) }), {
        name: 'InvalidStoredJwk',
        code: 'ERR_STACK_PKI_INVALID_JWK',
        message: `${path}: "kid" must be the RFC 7638 thumbprint of the key`,
      })
      await writeFile(path, JSON.stringify({ ...jwk, use: 'enc' }))
      await assert.rejects(ensurePki(paths, { now: later(21 * DAY_MS + 6 * HOUR_MS) }), {
        code: 'ERR_STACK_PKI_INVALID_JWK',
        message: `${path}: "use" must be "sig"`,
      })
      await writeFile(path, '{not json')
      await assert.rejects(ensurePki(paths, { now: later(21 * DAY_MS + 6 * HOUR_MS) }), {
        code: 'ERR_STACK_PKI_INVALID_JWK',
      })
    } finally {
      await writeFile(path, original)
    }
  })

  it('fails loudly on a corrupted data key instead of replacing it', async () => {
    const path = join(paths.secrets('partner-idp'), SECRET_FILES.dataKey)
    const original = await read(path)
    const now = later(21 * DAY_MS + 6 * HOUR_MS)
    try {
      const jwk = JSON.parse(original)
      const cases: [string, string][] = [
        [JSON.stringify({ ...jwk, k: Buffer.alloc(16).toString('base64url') }), '"k" must be'],
        [JSON.stringify({ ...jwk, kty: 'EC' }), '"kty" must be "oct"'],
        [JSON.stringify({ ...jwk, kid: '' }), '"kid" missing'],
        ['{not json', 'is not valid JSON'],
      ]
      for (const [text, message] of cases) {
        await writeFile(path, text)
        await assert.rejects(ensurePki(paths, { now }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_STACK_PKI_INVALID_JWK')
          assert.ok(err.message.startsWith(path) && err.message.includes(message), err.message)
          assert.ok(!err.message.includes(jwk.k), 'the key is never in the message')
          return true
        })
      }
    } finally {
      await writeFile(path, original)
    }
  })

  it('rejects bad options', async () => {
    await assert.rejects(ensurePki(paths, { now: new Date(Number.NaN) }), {
      name: 'TypeError',
      message: '"now" option must be a valid Date',
    })
    await assert.rejects(ensurePki(paths, { validityHours: 0 }), {
      name: 'TypeError',
      message: '"validityHours" option must be a positive number',
    })
  })
})

describe('ensurePki run concurrently on one tree', () => {
  it('creates one consistent PKI: a single CA per domain that signed every leaf', async () => {
    const { paths, remove } = await tempStack()
    try {
      const results = await Promise.all([1, 2, 3].map(() => ensurePki(paths, { now: NOW })))
      const issuedCounts = results.map((result) => result.issued.length).sort()
      assert.deepEqual(issuedCounts, [0, 0, caLabels.length + tlsLabels.length + jwksLabels.length])
      for (const identity of identities) {
        const leaf = new X509Certificate(await secret(paths, identity.name, SECRET_FILES.tlsCert))
        const ca = new X509Certificate(await read(paths.caCert(identity.domain)))
        assert.equal(leaf.verify(ca.publicKey), true, identity.name)
      }
    } finally {
      await remove()
    }
  })

  it('takes over a lock left behind by a dead process', async () => {
    const { paths, remove } = await tempStack()
    try {
      await mkdir(paths.pki, { recursive: true })
      // No process has this pid (above Linux's pid_max), like a runner killed mid-run.
      await writeFile(join(paths.pki, '.lock'), '2147483646')
      const result = await ensurePki(paths, { now: NOW })
      assert.ok(result.issued.includes('ca/retail'))
      await assert.rejects(readFile(join(paths.pki, '.lock')), { code: 'ENOENT' })
    } finally {
      await remove()
    }
  })
})

/** The OpenSSL config lines of every constraint a current CA of `trustDomain` carries. */
function currentConstraints(trustDomain: string, dnsNames: string[]): string[] {
  return [
    `permitted;URI.0 = ${trustDomain}`,
    ...dnsNames.map((name, i) => `permitted;DNS.${i} = ${name}`),
    'permitted;IP.0 = 127.0.0.1/255.255.255.255',
    'permitted;IP.1 = ::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'permitted;dirName.1 = subjects',
    '[subjects]',
    `O = ${trustDomain}`,
  ]
}
