/**
 * TB02 — web ↔ retail IdP. The web's own sign-in in a real Chromium uses PAR (the browser only
 * ever carries `client_id` and `request_uri` to the IdP) with PKCE S256 and `private_key_jwt`;
 * against the running IdP, missing or plain PKCE, a foreign redirect_uri, a client secret and a
 * replayed code are refused — status, OAuth `error` and the IdP's audit reason by `traceId` — and
 * its mTLS alias turns away, and audits, a caller without a workload certificate.
 */
import { readFileSync } from 'node:fs'
import type { Browser, Request } from '@playwright/test'
import { stackPaths } from '@mythical/stack'
import {
  authorizationParams,
  newTrace,
  pkce,
  pushAuthorizationRequest,
  redeemCode,
  request,
  signIn,
} from '@mythical/testing'
import { auditRecordsOf, hasDecision } from '../support/audit-log.ts'
import { launchTrustingBrowser, signInThroughWeb } from '../support/browser-trust.ts'
import { expect, test } from '../support/fixtures.ts'
import { auditedHandshake, tryHandshake } from '../support/tls-handshake.ts'

const IDP = 'https://localhost:4000'
/** The IdP's mTLS alias (RFC 8705): workloads only, by certificate. */
const IDP_MTLS = 'https://127.0.0.1:4001'
const WEB = 'https://localhost:3000'
const KATIE = { username: 'katie', password: 'katie-loves-shopping' }

async function expectIdpDenied(traceId: string, reason: string) {
  const records = await auditRecordsOf(traceId, 'idp', hasDecision('deny', reason))
  expect(records.map((r) => [r.decision, r.reason, r.boundary])).toContainEqual([
    'deny',
    reason,
    'TB02',
  ])
}

async function refusedPar(overrides: Record<string, string>, reason: string) {
  const trace = newTrace()
  const response = await pushAuthorizationRequest(
    IDP,
    'web',
    { ...authorizationParams('web', pkce().challenge), ...overrides },
    trace.headers,
  )
  expect(response.status).toBe(400)
  expect(response.json<{ error: string }>().error).toBe('invalid_request')
  await expectIdpDenied(trace.traceId, reason)
}

test.describe('TB02 web ↔ IdP', () => {
  let browser: Browser
  test.beforeAll(async () => {
    browser = await launchTrustingBrowser()
  })
  test.afterAll(async () => browser?.close())

  test('the web signs Katie in with PAR: the browser never carries PKCE or scopes', async () => {
    const page = await browser.newPage()
    const authorize: string[] = []
    page.on('request', (r: Request) => {
      if (r.url().startsWith(`${IDP}/auth`)) authorize.push(r.url())
    })
    await signInThroughWeb(page, KATIE)
    const first = new URL(authorize[0] ?? '')
    expect([...first.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    expect(first.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/)
    await page.close()
  })

  test('a replayed callback is refused by the web, and the code by the IdP', async () => {
    const page = await browser.newPage()
    let callback = ''
    page.on('request', (r: Request) => {
      if (r.url().startsWith(`${WEB}/auth/callback`)) callback = r.url()
    })
    await signInThroughWeb(page, KATIE)
    expect(callback).toContain('code=')
    // The same callback again, in the same browser: the pending sign-in was used once.
    const replay = await page.context().request.get(callback, { maxRedirects: 0 })
    expect(replay.status()).toBe(400)
    const problem = (await replay.json()) as { code: string; traceId: string }
    expect(problem.code).toBe('ZT_ERR_SIGN_IN_FAILED')
    const records = await auditRecordsOf(
      problem.traceId,
      'web',
      hasDecision('deny', 'sign_in.state_unknown'),
    )
    expect(records.map((r) => r.reason)).toContain('sign_in.state_unknown')
    await page.close()
  })

  test('a code redeemed twice at the IdP is refused', async () => {
    const signedIn = await signIn(IDP, KATIE)
    expect((await redeemCode(IDP, signedIn)).status).toBe(200)
    const trace = newTrace()
    const replay = await redeemCode(IDP, signedIn, {}, undefined, trace.headers)
    expect(replay.status).toBe(400)
    expect(replay.json<{ error: string }>().error).toBe('invalid_grant')
    await expectIdpDenied(trace.traceId, 'token.code_replayed')
  })

  test('a caller without a workload certificate at the IdP’s mTLS alias: refused in the handshake, audited', async () => {
    const retailCa = readFileSync(stackPaths().caCert('retail'), 'utf8')
    const { outcome, records } = await auditedHandshake(
      'idp',
      'mtls.handshake_no_certificate',
      () => tryHandshake(IDP_MTLS, retailCa, undefined),
    )
    expect(outcome.answered).toBe(false)
    expect(records.map((r) => [r.decision, r.address])).toEqual([['deny', '127.0.0.1']])
  })

  test('missing PKCE is refused', async () => {
    await refusedPar(
      { code_challenge: '', code_challenge_method: '' },
      'authorization.pkce_required',
    )
  })

  test('plain PKCE is refused', async () => {
    await refusedPar(
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      'authorization.pkce_method_not_allowed',
    )
  })

  test('a redirect_uri other than the web’s is refused', async () => {
    await refusedPar(
      { redirect_uri: 'https://evil.example/callback' },
      'authorization.redirect_uri_mismatch',
    )
  })

  test('a client secret in the body instead of private_key_jwt is refused', async () => {
    const trace = newTrace()
    const response = await request(`${IDP}/request`, {
      headers: trace.headers,
      form: {
        client_id: 'web',
        client_secret: 'guessed-client-secret',
        ...authorizationParams('web', pkce().challenge),
      },
    })
    expect(response.status).toBe(401)
    expect(response.json<{ error: string }>().error).toBe('invalid_client')
    await expectIdpDenied(trace.traceId, 'client_auth.method_not_allowed')
  })
})
