/**
 * The partner IdP keeps its replay state in its own PostgreSQL database (`@mythical/oidc-store`),
 * not in oidc-provider's development memory adapter: a client assertion or a federated subject
 * token used once is still refused after a restart (status, OAuth error, audit reason).
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { assertDecision } from '../support/audit-trail.ts'
import {
  ACCESS_TOKEN_TYPE,
  AuditCollector,
  clientAssertion,
  createFederation,
  ORDER_TRACKING,
  partnerClient,
  retailToken,
  startPartner,
  TOKEN_EXCHANGE,
} from '../support/federation-fixture.ts'
import type { Federation } from '../support/federation-fixture.ts'
import type { RunningPartnerIdp } from '../../src/server.ts'
import { newTrace } from '@mythical/testing'

let federation: Federation
let client: ReturnType<typeof partnerClient>
let partner: RunningPartnerIdp | undefined
let audit: AuditCollector

before(async () => {
  federation = await createFederation()
  client = partnerClient(federation.shippingCa.certPem)
})
after(async () => {
  await partner?.close()
  await (client as typeof client | undefined)?.close()
  await (federation as Federation | undefined)?.cleanup()
})

/** Stops the running partner IdP (if any) and starts a new one: nothing survives in memory. */
async function restart(): Promise<string> {
  await partner?.close()
  audit = new AuditCollector()
  partner = (await startPartner(federation.env, audit)).idp
  return partner.origin
}

async function exchange(origin: string, subjectToken: string, assertion: string) {
  const trace = newTrace()
  const response = await client.postForm(
    `${origin}/token`,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: ORDER_TRACKING,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    },
    trace.headers,
  )
  return { ...response, trace }
}

test('a used client assertion jti is refused after a restart', async () => {
  const assertion = await clientAssertion(federation.webKey)
  const first = await exchange(await restart(), await retailToken(federation.retailKey), assertion)
  assert.equal(first.status, 200, JSON.stringify(first.body))

  const replay = await exchange(await restart(), await retailToken(federation.retailKey), assertion)
  assert.equal(replay.status, 401, JSON.stringify(replay.body))
  assert.equal(replay.body.error, 'invalid_client')
  assertDecision(audit.records, replay.trace, {
    decision: 'deny',
    reason: 'client_auth.assertion_replayed',
    secrets: [assertion],
  })
})

test('a used federated subject token jti is refused after a restart', async () => {
  const subjectToken = await retailToken(federation.retailKey)
  const first = await exchange(
    await restart(),
    subjectToken,
    await clientAssertion(federation.webKey),
  )
  assert.equal(first.status, 200, JSON.stringify(first.body))

  const replay = await exchange(
    await restart(),
    subjectToken,
    await clientAssertion(federation.webKey),
  )
  assert.equal(replay.status, 400, JSON.stringify(replay.body))
  assert.equal(replay.body.error, 'invalid_grant')
  assertDecision(audit.records, replay.trace, {
    decision: 'deny',
    reason: 'federation.replayed',
    secrets: [subjectToken],
  })
})
