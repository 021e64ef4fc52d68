/**
 * TB04 — gateway ↔ experience APIs (mTLS + phantom JWT). Against the running stack: Katie's call
 * through the gateway reaches my-shopping-api, which admits it on the gateway's certificate and
 * the JWT the gateway exchanged her opaque token for. Then every way around the gateway, straight
 * to my-shopping-api on 127.0.0.1: no client certificate, a certificate of another trust domain's
 * CA (the card vault's, the shipping partner's), a valid retail certificate of another workload
 * (web), and Katie's user token sent straight in.
 *
 * The handshake refusals happen in TLS, before any request exists: there is no trace and no
 * problem document, so what is asserted is that the connection is refused, nothing is answered,
 * and my-shopping-api's TLS layer audited the refusal with the reason of its cause, boundary TB04
 * and the caller's address.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stackPaths, workloadId } from '@mythical/stack'
import { auditRecordsOf } from '../support/audit-log.ts'
import { callWithDpop } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import {
  agentOf,
  callInternal,
  chainTokens,
  expectHopRefusal,
  urlOf,
} from '../support/internal-call.ts'
import { answerTraceId } from '../support/orders.ts'
import { auditedHandshake, tryHandshake } from '../support/tls-handshake.ts'

const paths = stackPaths()
const API = 'my-shopping-api'
const ME = '/shopping/me'

const retailCa = () => readFileSync(paths.caCert('retail'), 'utf8')

/** Connecting to my-shopping-api with the certificate in `certDir` (none: undefined). */
const handshakeWith = (certDir: string | undefined) => tryHandshake(urlOf(API), retailCa(), certDir)

/** The handshake with `certDir`, and what my-shopping-api audited for it under `reason`. */
const refusedHandshake = (certDir: string | undefined, reason: string) =>
  auditedHandshake(API, reason, () => handshakeWith(certDir))

/** The one refusal record a refused handshake must leave, in a comparable form. */
const REFUSAL_AUDITED = [{ decision: 'deny', boundary: 'TB04', address: '127.0.0.1' }]
const refusalOf = (records: readonly { decision: string; [member: string]: unknown }[]) =>
  records.map(({ decision, boundary, address }) => ({ decision, boundary, address }))

test.describe('TB04 gateway ↔ experience', () => {
  test('Katie through the gateway: my-shopping-api admits the gateway’s certificate and phantom JWT', async ({
    edge,
    katie,
  }) => {
    const response = await callWithDpop(edge, { path: ME, session: katie })
    expect(response.status, response.text).toBe(200)
    expect(response.json()).toMatchObject({ sub: 'katie' })
    const traceId = answerTraceId(response)
    expect(traceId, 'the gateway names the trace of its answer').toBeTruthy()
    const records = await auditRecordsOf(traceId, API)
    const allowed = records.find((r) => r.route === 'GET /shopping/me')
    expect(allowed).toMatchObject({
      decision: 'allow',
      reason: 'access.granted',
      boundary: 'TB04',
      caller: workloadId('retail', 'gateway'),
      subject: 'katie',
      audience: 'https://my-shopping-api.retail.mythical.example',
    })
    expect(records.filter((r) => r.decision === 'deny')).toEqual([])
  })

  test('the same raw TLS client with a retail workload certificate gets an HTTP answer', async () => {
    // The control for the three refusals below: the probe itself can see an answer.
    expect(await handshakeWith(paths.secrets('web'))).toEqual({
      answered: true,
      statusLine: 'HTTP/1.1 200 OK',
    })
  })

  test('no client certificate: the handshake is refused and audited', async () => {
    const { outcome, records } = await refusedHandshake(undefined, 'mtls.handshake_no_certificate')
    expect(outcome).toEqual({
      answered: false,
      error: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    })
    expect(refusalOf(records)).toEqual(REFUSAL_AUDITED)
  })

  test('a certificate of the card vault’s CA: the handshake is refused and audited', async () => {
    const { outcome, records } = await refusedHandshake(
      join(paths.secrets('order-fulfillment-api'), 'cardvault'),
      'mtls.handshake_untrusted_issuer',
    )
    expect(outcome.answered).toBe(false)
    expect(refusalOf(records)).toEqual(REFUSAL_AUDITED)
  })

  test('a certificate of the shipping partner’s CA: the handshake is refused and audited', async () => {
    const { outcome, records } = await refusedHandshake(
      paths.secrets('shipping-api'),
      'mtls.handshake_untrusted_issuer',
    )
    expect(outcome.answered).toBe(false)
    expect(refusalOf(records)).toEqual(REFUSAL_AUDITED)
  })

  test('bypassing the gateway with another workload’s valid retail certificate (web)', async ({
    katie,
  }) => {
    // Even holding a phantom JWT the IdP really issued for my-shopping-api.
    const [phantom = ''] = await chainTokens(katie, [{ by: 'gateway', audience: API }])
    const web = agentOf('web')
    try {
      const response = await callInternal(API, web, { path: ME, token: phantom })
      const record = await expectHopRefusal(API, response, {
        status: 403,
        code: 'ZT_ERR_PEER_NOT_ALLOWED',
        reason: 'mtls.peer_not_allowed',
      })
      expect(record.caller).toBe(workloadId('retail', 'web'))
      expect(response.text.includes(phantom)).toBe(false)
    } finally {
      await web.close()
    }
  })

  test('bypassing the gateway with Katie’s user token, even on the gateway’s own certificate', async ({
    katie,
  }) => {
    // The opaque, DPoP-bound token web holds: only the gateway can introspect it; no experience
    // API accepts it in place of the phantom JWT.
    const gateway = agentOf('gateway')
    try {
      const response = await callInternal(API, gateway, { path: ME, token: katie.accessToken })
      const record = await expectHopRefusal(API, response, {
        status: 401,
        code: 'ZT_ERR_TOKEN_INVALID',
        reason: 'token.malformed',
        boundary: 'TB04',
      })
      expect(JSON.stringify(record).includes(katie.accessToken)).toBe(false)
    } finally {
      await gateway.close()
    }
  })
})
