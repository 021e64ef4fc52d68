import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ADMIN_PASSWORD_FILE, exportPki } from '../../../src/compose/export-pki.ts'
import { stackPaths, TRUST_DOMAINS } from '@mythical/stack'
import { pkiIdentities } from '../../../src/pki/identities.ts'
import { ensurePki } from '../../../src/pki/index.ts'

const root = mkdtempSync(join(tmpdir(), 'export-pki-'))
const paths = stackPaths(join(root, 'state'))
const out = join(root, 'export')
after(() => rmSync(root, { recursive: true, force: true }))
before(async () => {
  await ensurePki(paths)
  exportPki(paths, out)
})

/** Every file under `dir`, recursively, relative to it. */
const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()

describe('exportPki (compose pki-init)', () => {
  it('exports CA certificates, the CA bundle and public JWKS, and no private key', () => {
    const exported = files(join(out, 'pki'))
    for (const domain of TRUST_DOMAINS) assert.ok(exported.includes(`${domain}/ca.pem`), domain)
    assert.ok(exported.includes('ca-bundle.pem'))
    assert.ok(exported.includes('retail/jwks/orders-api.json'))
    assert.deepEqual(
      exported.filter((f) => f.includes('private')),
      [],
    )
    for (const file of exported) {
      assert.doesNotMatch(readFileSync(join(out, 'pki', file), 'utf8'), /PRIVATE KEY|"d":/, file)
    }
    const bundle = readFileSync(join(out, 'pki', 'ca-bundle.pem'), 'utf8')
    for (const domain of TRUST_DOMAINS)
      assert.ok(bundle.includes(readFileSync(paths.caCert(domain), 'utf8').trim()))
    // Every PEM on its own lines: PostgreSQL refuses a bundle with "-----END …----------BEGIN".
    assert.doesNotMatch(bundle, /-----END CERTIFICATE-----[^\n]/)
    assert.equal(bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length, TRUST_DOMAINS.length)
  })

  it("copies each identity's secrets into its own folder, owner-only", () => {
    for (const { name } of pkiIdentities()) {
      const dir = join(out, 'secrets', name)
      assert.deepEqual(files(dir), files(paths.secrets(name)), name)
      const key = statSync(join(dir, 'tls.key'))
      assert.equal(key.mode & 0o777, 0o600, `${name}/tls.key`)
    }
  })

  it('gives PostgreSQL a random admin password, kept across runs, and nobody else one', () => {
    const file = join(out, 'secrets', 'postgres', ADMIN_PASSWORD_FILE)
    const first = readFileSync(file, 'utf8')
    assert.match(first, /^[\w-]{43}$/)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    exportPki(paths, out)
    assert.equal(readFileSync(file, 'utf8'), first)
    // RabbitMQ boots from definitions and has no admin user (export-broker.ts).
    for (const name of ['rabbitmq', 'orders-api'])
      assert.ok(!files(join(out, 'secrets', name)).includes(ADMIN_PASSWORD_FILE), name)
  })
})
