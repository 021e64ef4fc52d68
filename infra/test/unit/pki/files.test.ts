import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ensureDir, readIfExists, syncFile, writeFileAtomic } from '../../../src/pki/files.ts'

const modeOf = async (path: string) => (await stat(path)).mode & 0o777

describe('pki file helpers', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pki-files-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('ensureDir creates a folder with the mode and tightens an existing one', async () => {
    const secrets = join(dir, 'a', 'secrets')
    await ensureDir(secrets, 0o700)
    assert.equal(await modeOf(secrets), 0o700)
    await chmod(secrets, 0o777)
    await ensureDir(secrets, 0o700)
    assert.equal(await modeOf(secrets), 0o700)
  })

  it('writeFileAtomic writes with the mode and leaves no temporary file', async () => {
    const sub = join(dir, 'atomic')
    await ensureDir(sub, 0o700)
    await writeFileAtomic(join(sub, 'tls.key'), 'key', 0o600)
    assert.equal(await readFile(join(sub, 'tls.key'), 'utf8'), 'key')
    assert.equal(await modeOf(join(sub, 'tls.key')), 0o600)
    await writeFileAtomic(join(sub, 'tls.key'), 'new key', 0o600)
    assert.equal(await readFile(join(sub, 'tls.key'), 'utf8'), 'new key')
    assert.deepEqual(await readdir(sub), ['tls.key'])
  })

  it('syncFile rewrites only changed content but always fixes the mode', async () => {
    const path = join(dir, 'ca.pem')
    await writeFile(path, 'same', { mode: 0o666 })
    await chmod(path, 0o666)
    const before = (await stat(path)).ino
    await syncFile(path, 'same', 0o644)
    assert.equal((await stat(path)).ino, before)
    assert.equal(await modeOf(path), 0o644)
    await syncFile(path, 'changed', 0o644)
    assert.equal(await readFile(path, 'utf8'), 'changed')
    assert.equal(await modeOf(path), 0o644)
  })

  it('readIfExists returns undefined only for a missing file', async () => {
    assert.equal(await readIfExists(join(dir, 'missing')), undefined)
    await assert.rejects(readIfExists(dir), { code: 'EISDIR' })
  })
})
