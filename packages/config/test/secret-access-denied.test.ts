/**
 * TB13 enforced by the runtime: a process started under Node's permission model with read access
 * to its own secrets folder only is refused another service's key by Node itself
 * (`ERR_ACCESS_DENIED`), and the secret loader turns that refusal into a typed error and one
 * audit record (`TB13`, `secrets.access_denied`) naming no content.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const CONFIG = fileURLToPath(new URL('../src/index.ts', import.meta.url))
const KEY = '-----BEGIN PRIVATE KEY-----\nOTHER-SERVICE-KEY\n-----END PRIVATE KEY-----\n'

/** Runs `code` (an ES module) as `service` with read access to code and `ownDir` only. */
async function runConfined(service: string, ownDir: string, code: string) {
  const { stdout } = await run(
    process.execPath,
    [
      '--permission',
      `--allow-fs-read=${join(REPO, 'packages')}`,
      `--allow-fs-read=${join(REPO, 'node_modules')}`,
      `--allow-fs-read=${ownDir}`,
      '--input-type=module',
      '--eval',
      code,
    ],
    { env: { PATH: process.env.PATH ?? '', SERVICE_NAME: service } },
  )
  return stdout.split('\n').filter(Boolean)
}

describe('a secret outside the process’s permissions', () => {
  let root: string
  let own: string
  let other: string

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mythical-tb13-'))
    own = join(root, 'orders-api')
    other = join(root, 'payments-api')
    for (const dir of [own, other]) {
      mkdirSync(dir)
      writeFileSync(join(dir, 'tls.key'), KEY)
    }
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  it('is refused by the runtime, reported as ERR_SECRET_ACCESS_DENIED and audited on TB13', async () => {
    const lines = await runConfined(
      'orders-api',
      own,
      `
      const { readSecretFile } = await import(${JSON.stringify(CONFIG)})
      console.log(JSON.stringify({ own: readSecretFile(${JSON.stringify(own)}, 'tls.key').length }))
      try {
        readSecretFile(${JSON.stringify(other)}, 'tls.key')
        console.log(JSON.stringify({ other: 'read' }))
      } catch (err) {
        console.log(JSON.stringify({ other: err.code, name: err.name }))
      }
      `,
    )
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.deepEqual(records[0], { own: KEY.length }, 'its own key stays readable')
    // The audit line is written asynchronously: it may come before or after this one.
    assert.deepEqual(
      records.find((record) => 'other' in record),
      { other: 'ERR_SECRET_ACCESS_DENIED', name: 'SecretFileError' },
    )
    const audit = records.filter((record) => record.audit === true)
    assert.equal(audit.length, 1)
    assert.equal(audit[0]?.service, 'orders-api')
    assert.equal(audit[0]?.boundary, 'TB13')
    assert.equal(audit[0]?.decision, 'deny')
    assert.equal(audit[0]?.reason, 'secrets.access_denied')
    assert.match(String(audit[0]?.traceId), /^[0-9a-f]{32}$/)
    assert.ok(!lines.join('\n').includes('OTHER-SERVICE-KEY'), 'no key material in the output')
  })
})
