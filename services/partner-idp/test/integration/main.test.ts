/**
 * The entry point as the stack runner starts it: a real process with the runner's environment,
 * serving HTTPS with the shipping certificate and writing audit records as JSON lines.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { Agent, fetch } from 'undici'
import { freePort, newTrace } from '@mythical/testing'
import {
  ACCESS_TOKEN_TYPE,
  clientAssertion,
  createFederation,
  generateTestKey,
  TOKEN_EXCHANGE,
} from '../support/federation-fixture.ts'
import type { Federation } from '../support/federation-fixture.ts'
import { assertDecision } from '../support/audit-trail.ts'
import type { WrittenAuditRecord } from '@mythical/audit'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

let federation: Federation
let child: ChildProcess
let origin: string
let output = ''
let dispatcher: Agent

before(async () => {
  federation = await createFederation()
  const port = await freePort()
  const mtlsPort = await freePort()
  origin = `https://127.0.0.1:${port}`
  child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      ...federation.env,
      PORT: String(port),
      MTLS_PORT: String(mtlsPort),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const deadline = Date.now() + 20_000
  while (!output.includes('partner-idp listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`partner-idp did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  dispatcher = new Agent({ connect: { ca: federation.shippingCa.certPem } })
})

after(async () => {
  await dispatcher.close()
  if (child.exitCode === null) {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
  await federation.cleanup()
})

test('serves discovery over TLS with the shipping certificate', async () => {
  const response = await fetch(`${origin}/.well-known/openid-configuration`, { dispatcher })
  assert.equal(response.status, 200)
  const body = (await response.json()) as { issuer: string; grant_types_supported: string[] }
  assert.equal(body.issuer, 'https://localhost:5000')
  assert.ok(body.grant_types_supported.includes(TOKEN_EXCHANGE))
})

test('writes a TB10 audit line for a refusal, without the token', async () => {
  const token = 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.'
  const trace = newTrace()
  const response = await fetch(`${origin}/token`, {
    method: 'POST',
    headers: { ...trace.headers, accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      client_id: 'intruder',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(await generateTestKey('intruder-1'), 'intruder'),
    }),
    dispatcher,
  })
  assert.equal(response.status, 401)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  const records = lines.filter((line) => line.audit === true) as unknown as WrittenAuditRecord[]
  const record = assertDecision(records, trace, {
    decision: 'deny',
    reason: 'client_auth.unknown_client',
  })
  assert.equal((record as WrittenAuditRecord).service, 'partner-idp')
  assert.ok(!output.includes(token), 'the subject token is never logged')
})

test('stops on SIGTERM', async () => {
  child.kill('SIGTERM')
  const [code] = (await once(child, 'exit')) as [number | null]
  assert.equal(code, 0)
})
