/**
 * `pnpm keys:rotate idp`: after a rotation (and restart) new tokens carry the new `kid`, while a
 * token signed by the previous key still verifies against the published JWKS — and is still
 * accepted as a token-exchange subject — until it expires. Runs on a copy of the IdP's secrets
 * so the stack's real keys are never rotated by a test.
 */
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { rotateSigningKeys } from '../../src/keys/rotate.ts'
import { request, requireStack, paths } from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

const ORDERS = 'https://orders-api.retail.mythical.example'
let secretsDir: string
let run: RunningIdp | undefined

before(async () => {
  requireStack()
  secretsDir = mkdtempSync(join(tmpdir(), 'idp-rotation-'))
  cpSync(paths.secrets('idp'), secretsDir, { recursive: true })
})
after(async () => {
  await run?.stop()
  rmSync(secretsDir, { recursive: true, force: true })
})

async function machineToken(idp: RunningIdp): Promise<string> {
  const res = await request(`${idp.mtlsUrl}/token`, {
    as: 'order-fulfillment-api',
    form: {
      client_id: 'order-fulfillment-api',
      grant_type: 'client_credentials',
      resource: ORDERS,
    },
  })
  assert.equal(res.status, 200, res.text)
  return res.json<{ access_token: string }>().access_token
}

test('tokens of the previous key verify until expiry; new tokens use the new key', async () => {
  run = await startIdp({ secretsDir })
  const before = await machineToken(run)
  const oldKid = decodeProtectedHeader(before).kid
  const ports = { edge: Number(new URL(run.issuer).port), mtls: Number(new URL(run.mtlsUrl).port) }
  await run.stop()

  const report = await rotateSigningKeys(secretsDir)
  assert.notEqual(report.current, oldKid)
  assert.deepEqual(report.published, [report.current, oldKid])

  run = await startIdp({ secretsDir, ports })
  const jwks = (await request(`${run.issuer}/jwks`)).json<{ keys: { kid: string }[] }>()
  assert.deepEqual(
    jwks.keys.map((k) => k.kid),
    [report.current, oldKid],
  )
  const keySet = createLocalJWKSet(jwks)
  const options = { issuer: run.issuer, audience: ORDERS, typ: 'at+jwt', algorithms: ['ES256'] }
  await jwtVerify(before, keySet, options)

  const afterRotation = await machineToken(run)
  assert.equal(decodeProtectedHeader(afterRotation).kid, report.current)
  await jwtVerify(afterRotation, keySet, options)

  // A second rotation retires the key the first token was signed with.
  const second = await rotateSigningKeys(secretsDir)
  assert.deepEqual(second.retired, [oldKid])
})
