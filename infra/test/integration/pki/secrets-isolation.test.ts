/**
 * TB13 on disk: every secrets folder holds only its own workload's material, readable by its
 * owner only, and no CA private key is ever inside a secrets folder.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { readCertificateInfo } from '@mythical/pki'
import {
  SECRET_FILES,
  SHARED_SECRETS,
  sharedSecretsOf,
  type StackPaths,
  TRUST_DOMAINS,
} from '@mythical/stack'
import { ensurePki, pkiIdentities } from '../../../src/pki/index.ts'
import { hasOwnSecretsFolder } from '../../../src/pki/identities.ts'
import { tempStack } from './temp-stack.ts'

const modeOf = async (path: string) => (await stat(path)).mode & 0o777
const identities = pkiIdentities()

/** The files of a secrets folder (a registered vault client's cardvault folder is a subfolder). */
const filesIn = async (dir: string) =>
  (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)

/** Identities whose folders sit inside `name`'s (`order-fulfillment-api/cardvault`). */
const nestedIn = (name: string) =>
  identities.filter((i) => i.name.startsWith(`${name}/`)).map((i) => i.name.slice(name.length + 1))

/** Every private secret an identity owns: its TLS key, the `d` of its JWKs, its data key `k`. */
async function privateMaterial(paths: StackPaths, name: string): Promise<string[]> {
  const dir = paths.secrets(name)
  const files = await filesIn(dir)
  const material = [await readFile(join(dir, SECRET_FILES.tlsKey), 'utf8')]
  for (const file of [SECRET_FILES.signingKey, SECRET_FILES.encryptionKey]) {
    if (files.includes(file)) material.push(JSON.parse(await readFile(join(dir, file), 'utf8')).d)
  }
  if (files.includes(SECRET_FILES.dataKey)) {
    material.push(JSON.parse(await readFile(join(dir, SECRET_FILES.dataKey), 'utf8')).k)
  }
  return material
}

describe('secrets isolation', () => {
  let paths: StackPaths
  let remove: () => Promise<void>

  before(async () => {
    ;({ paths, remove } = await tempStack())
    await ensurePki(paths)
  })
  after(() => remove())

  it('has exactly one folder per identity, each holding only the expected files', async () => {
    const folders = await readdir(join(paths.stack, 'secrets'))
    assert.deepEqual(
      folders.sort(),
      identities
        .filter(hasOwnSecretsFolder)
        .map((identity) => identity.name)
        .sort(),
    )
    for (const identity of identities) {
      const expected: string[] = [SECRET_FILES.tlsCert, SECRET_FILES.tlsKey, SECRET_FILES.ca]
      if (identity.hasJwks) {
        expected.push(SECRET_FILES.signingKey, SECRET_FILES.encryptionKey, SECRET_FILES.dataKey)
      }
      expected.push(...sharedSecretsOf(identity.name))
      const dir = paths.secrets(identity.name)
      assert.deepEqual((await filesIn(dir)).sort(), expected.sort())
      const subfolders = (await readdir(dir, { withFileTypes: true })).filter((e) =>
        e.isDirectory(),
      )
      assert.deepEqual(subfolders.map((e) => e.name).sort(), nestedIn(identity.name).sort())
    }
  })

  it("holds a shared secret in exactly its holders' folders, the same key in each", async () => {
    for (const { file, holders } of SHARED_SECRETS) {
      const copies = await Promise.all(
        holders.map((holder) => readFile(join(paths.secrets(holder), file), 'utf8')),
      )
      assert.equal(new Set(copies).size, 1, `${file}: one key for ${holders.join(', ')}`)
      assert.equal(Buffer.from(JSON.parse(copies[0] ?? '{}').k, 'base64url').length, 32)
      const again = await ensurePki(paths)
      assert.ok(again.kept.includes(`shared/${file}`), `${file} is kept on a re-run`)
    }
  })

  it("holds its own identity's certificate and its own domain's CA", async () => {
    for (const identity of identities) {
      const dir = paths.secrets(identity.name)
      const info = readCertificateInfo(await readFile(join(dir, SECRET_FILES.tlsCert), 'utf8'))
      assert.deepEqual(info.spiffeIds, [identity.spiffeId], identity.name)
      assert.equal(
        await readFile(join(dir, SECRET_FILES.ca), 'utf8'),
        await readFile(paths.caCert(identity.domain), 'utf8'),
      )
    }
  })

  it("contains no other identity's private key material", async () => {
    const owned = new Map<string, string[]>()
    for (const identity of identities) {
      owned.set(identity.name, await privateMaterial(paths, identity.name))
    }
    const all = [...owned.values()].flat()
    assert.equal(new Set(all).size, all.length, 'every key is unique')
    for (const identity of identities) {
      const dir = paths.secrets(identity.name)
      const contents = await Promise.all(
        (await filesIn(dir)).map((file) => readFile(join(dir, file), 'utf8')),
      )
      for (const [other, material] of owned) {
        if (other === identity.name) continue
        for (const secret of material) {
          assert.ok(!contents.some((text) => text.includes(secret)), `${other} in ${identity.name}`)
        }
      }
    }
  })

  it('keeps CA private keys out of every secrets folder', async () => {
    const caKeys = await Promise.all(
      TRUST_DOMAINS.map((domain) => readFile(paths.caKey(domain), 'utf8')),
    )
    for (const identity of identities) {
      const dir = paths.secrets(identity.name)
      for (const file of await filesIn(dir)) {
        const text = await readFile(join(dir, file), 'utf8')
        assert.ok(!caKeys.some((key) => text.includes(key)), `CA key in ${identity.name}/${file}`)
      }
    }
  })

  it('makes secrets owner-only: folders 0700, files 0600', async () => {
    assert.equal(await modeOf(join(paths.stack, 'secrets')), 0o700)
    for (const identity of identities) {
      const dir = paths.secrets(identity.name)
      assert.equal(await modeOf(dir), 0o700, dir)
      for (const file of await filesIn(dir)) assert.equal(await modeOf(join(dir, file)), 0o600)
    }
  })

  it('keeps CA keys owner-only and public material world-readable', async () => {
    for (const domain of TRUST_DOMAINS) {
      assert.equal(await modeOf(join(paths.pki, domain, 'private')), 0o700)
      assert.equal(await modeOf(paths.caKey(domain)), 0o600)
      assert.equal(await modeOf(paths.caCert(domain)), 0o644)
    }
    for (const identity of identities.filter((i) => i.hasJwks)) {
      const jwks = paths.publicJwks(identity.domain, identity.name)
      assert.equal(await modeOf(jwks), 0o644)
      const { keys } = JSON.parse(await readFile(jwks, 'utf8'))
      assert.ok(
        keys.every((key: Record<string, unknown>) => !('d' in key) && key.kty !== 'oct'),
        jwks,
      )
    }
  })
})
