/**
 * TB13 enforced by the runtime: a process started with the runner's permission flags for
 * orders-api reads its own secrets and the public PKI, and Node itself refuses another service's
 * key, every CA private key, any write and any child process (`ERR_ACCESS_DENIED`); a refused
 * secret read through the loader is audited on TB13.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { serviceByName, serviceEnvironment, SECRET_FILES, TRUST_DOMAINS } from '@mythical/stack'
import type { StackPaths } from '@mythical/stack'
import { ensurePki } from '../../../src/pki/index.ts'
import { permissionArguments } from '../../../src/runner/service-permissions.ts'
import { tempStack } from '../pki/temp-stack.ts'

const run = promisify(execFile)
const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
const CONFIG = join(REPO, 'packages/config/src/index.ts')

/** What the probe tried, and what happened: 'ok' or the error code. */
type Outcomes = Record<string, string>

describe('service permissions (Node permission model)', () => {
  let paths: StackPaths
  let remove: () => Promise<void>
  let outcomes: Outcomes
  let audit: Record<string, unknown>[]

  before(async () => {
    ;({ paths, remove } = await tempStack())
    await ensurePki(paths)
    const service = serviceByName('orders-api')
    const env = serviceEnvironment(service, { target: 'local', root: paths.root })
    const attempts: Record<string, string> = {
      ownKey: `fs.readFileSync(${JSON.stringify(join(paths.secrets('orders-api'), SECRET_FILES.tlsKey))})`,
      ownCa: `fs.readFileSync(${JSON.stringify(paths.caCert('retail'))})`,
      foreignCa: `fs.readFileSync(${JSON.stringify(paths.caCert('cardvault'))})`,
      publicJwks: `fs.readFileSync(${JSON.stringify(paths.publicJwks('retail', 'payments-api'))})`,
      otherServiceKey: `fs.readFileSync(${JSON.stringify(join(paths.secrets('payments-api'), SECRET_FILES.tlsKey))})`,
      otherServiceDataKey: `fs.readFileSync(${JSON.stringify(join(paths.secrets('idp'), SECRET_FILES.dataKey))})`,
      otherSecretsListing: `fs.readdirSync(${JSON.stringify(join(paths.stack, 'secrets'))})`,
      ...Object.fromEntries(
        TRUST_DOMAINS.map((domain) => [
          `caKey:${domain}`,
          `fs.readFileSync(${JSON.stringify(paths.caKey(domain))})`,
        ]),
      ),
      writeOwnFolder: `fs.writeFileSync(${JSON.stringify(join(paths.secrets('orders-api'), 'x'))}, 'x')`,
      writeTmp: `fs.writeFileSync('/tmp/mythical-tb13-probe', 'x')`,
      childProcess: `cp.execFileSync('true')`,
      loaderOtherKey: `config.readSecretFile(${JSON.stringify(paths.secrets('payments-api'))}, ${JSON.stringify(SECRET_FILES.tlsKey)})`,
    }
    const probe = `
      import fs from 'node:fs'
      import cp from 'node:child_process'
      const config = await import(${JSON.stringify(CONFIG)})
      const outcomes = {}
      for (const [name, attempt] of Object.entries(${JSON.stringify(attempts)})) {
        try { new Function('fs', 'cp', 'config', attempt)(fs, cp, config); outcomes[name] = 'ok' }
        catch (err) { outcomes[name] = err.code ?? err.name }
      }
      console.log(JSON.stringify({ outcomes }))
    `
    const { stdout } = await run(
      process.execPath,
      [
        ...permissionArguments(service, { root: REPO, env }),
        '--input-type=module',
        '--eval',
        probe,
      ],
      { env: { PATH: process.env.PATH ?? '', ...env } },
    )
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    outcomes = lines.find((line) => 'outcomes' in line)?.outcomes as Outcomes
    audit = lines.filter((line) => line.audit === true)
  })
  after(() => remove())

  it('reads its own secrets and the public PKI of every domain', () => {
    assert.equal(outcomes.ownKey, 'ok')
    assert.equal(outcomes.ownCa, 'ok')
    assert.equal(outcomes.foreignCa, 'ok')
    assert.equal(outcomes.publicJwks, 'ok')
  })

  it('is refused another service’s key material by the runtime', () => {
    assert.equal(outcomes.otherServiceKey, 'ERR_ACCESS_DENIED')
    assert.equal(outcomes.otherServiceDataKey, 'ERR_ACCESS_DENIED')
    assert.equal(outcomes.otherSecretsListing, 'ERR_ACCESS_DENIED')
  })

  it('is refused every CA private key', () => {
    for (const domain of TRUST_DOMAINS)
      assert.equal(outcomes[`caKey:${domain}`], 'ERR_ACCESS_DENIED')
  })

  it('may not write anywhere nor start a process', () => {
    assert.equal(outcomes.writeOwnFolder, 'ERR_ACCESS_DENIED')
    assert.equal(outcomes.writeTmp, 'ERR_ACCESS_DENIED')
    assert.equal(outcomes.childProcess, 'ERR_ACCESS_DENIED')
  })

  it('audits a refused secret read through the loader on TB13', () => {
    assert.equal(outcomes.loaderOtherKey, 'ERR_SECRET_ACCESS_DENIED')
    assert.equal(audit.length, 1)
    assert.equal(audit[0]?.service, 'orders-api')
    assert.equal(audit[0]?.boundary, 'TB13')
    assert.equal(audit[0]?.decision, 'deny')
    assert.equal(audit[0]?.reason, 'secrets.access_denied')
  })
})
