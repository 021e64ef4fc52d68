import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fastify from 'fastify'
import type { DestinationStream } from 'pino'
import { createAuditLogger } from '../src/index.ts'
import type { AuditRecord } from '../src/index.ts'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const JWT =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJrYXRpZSIsImF1ZCI6Im9yZGVycy1hcGkifQ.c2lnbmF0dXJl'

/** A destination that keeps every line, parsed. */
function capture(): {
  destination: DestinationStream
  raw: string[]
  lines: () => Record<string, unknown>[]
} {
  const raw: string[] = []
  return {
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
    destination: { write: (line: string) => void raw.push(line) },
  }
}

describe('createAuditLogger', () => {
  it('writes one JSON line per decision with service, time and audit: true', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'orders-api', destination })
    audit.decision({
      traceId: TRACE_ID,
      boundary: 'TB06',
      caller: 'spiffe://retail.mythical.example/order-fulfillment-api',
      subject: 'katie',
      decision: 'allow',
      reason: 'token.valid',
      scope: 'orders:write',
    })
    assert.equal(lines().length, 1)
    const { time, ...rest } = lines()[0] ?? {}
    assert.match(String(time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.deepEqual(rest, {
      level: 'info',
      service: 'orders-api',
      traceId: TRACE_ID,
      boundary: 'TB06',
      caller: 'spiffe://retail.mythical.example/order-fulfillment-api',
      subject: 'katie',
      decision: 'allow',
      reason: 'token.valid',
      scope: 'orders:write',
      audit: true,
      msg: 'allow token.valid',
    })
  })

  it('records denials', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'gateway', destination })
    audit.decision({ traceId: TRACE_ID, decision: 'deny', reason: 'mtls.peer_not_allowed' })
    assert.equal(lines()[0]?.decision, 'deny')
    assert.equal(lines()[0]?.reason, 'mtls.peer_not_allowed')
  })

  it('keeps decisions when the level hides ordinary logs, drops them only when silent', () => {
    const quiet = capture()
    const audit = createAuditLogger({
      service: 'gateway',
      level: 'error',
      destination: quiet.destination,
    })
    audit.logger.info('hidden')
    audit.decision({ traceId: TRACE_ID, decision: 'deny', reason: 'token.expired' })
    assert.deepEqual(
      quiet.lines().map((line) => line.msg),
      ['deny token.expired'],
    )

    const silent = capture()
    const muted = createAuditLogger({
      service: 'gateway',
      level: 'silent',
      destination: silent.destination,
    })
    muted.decision({ traceId: TRACE_ID, decision: 'deny', reason: 'token.expired' })
    assert.equal(silent.lines().length, 0)
  })

  it('writes every field of the one record shape under its own name', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'idp', destination })
    const act = {
      sub: 'spiffe://retail.mythical.example/my-shopping-api',
      act: { sub: 'spiffe://retail.mythical.example/gateway' },
    }
    const record: AuditRecord = {
      traceId: TRACE_ID,
      boundary: 'TB05',
      caller: 'spiffe://retail.mythical.example/my-shopping-api',
      subject: 'katie',
      subjectIssuer: 'https://localhost:4000',
      client: 'my-shopping-api',
      audience: 'https://orders-api.retail.mythical.example',
      act,
      scope: 'orders:read',
      route: 'POST /token',
      address: '127.0.0.1',
      api: 'shopping',
      policy: 'token',
      status: 400,
      strippedHeaders: ['x-user-id'],
      decision: 'deny',
      reason: 'token_exchange.scope_widening',
      oauthError: 'invalid_scope',
      tokenId: 'jti-1',
      grantId: 'grant-1',
    }
    audit.decision(record)
    const { time: _time, ...line } = lines()[0] ?? {}
    // Every member keeps its name and value; the logger only adds its own.
    assert.deepEqual(line, {
      level: 'info',
      service: 'idp',
      ...record,
      audit: true,
      msg: 'deny token_exchange.scope_widening',
    })
  })

  it('writes the OAuth error code as given (the error serializer does not touch it)', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'partner-idp', destination })
    audit.decision({
      traceId: TRACE_ID,
      decision: 'deny',
      reason: 'client_auth.failed',
      oauthError: 'invalid_client',
    })
    assert.equal(lines()[0]?.oauthError, 'invalid_client')
  })

  it('leaves out members that are undefined', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'idp', destination })
    audit.decision({
      traceId: TRACE_ID,
      decision: 'allow',
      reason: 'grant.issued',
      subject: undefined,
    })
    assert.equal('subject' in (lines()[0] ?? {}), false)
  })

  it('refuses members outside the record shape, including those the logger owns', () => {
    const { destination, raw } = capture()
    const audit = createAuditLogger({ service: 'orders-api', destination })
    for (const [key, value] of Object.entries({
      service: 'idp',
      audit: false,
      time: 'yesterday',
      level: 'debug',
      msg: 'allow',
      error: 'invalid_grant',
      clientId: 'web',
      headers: { authorization: 'Bearer opaque-abc' },
    })) {
      const record = { traceId: TRACE_ID, decision: 'deny', reason: 'token.expired', [key]: value }
      assert.throws(() => audit.decision(record as AuditRecord), {
        name: 'TypeError',
        message: `"${key}" is not a field of an audit record`,
      })
    }
    assert.equal(raw.length, 0)
  })

  it('masks tokens and card numbers that reach a typed field', () => {
    const { destination, raw, lines } = capture()
    const audit = createAuditLogger({ service: 'gateway', destination })
    audit.decision({
      traceId: TRACE_ID,
      decision: 'deny',
      reason: 'token.invalid',
      route: `GET /orders?access_token=opaque-abc&card=4111111111111111`,
      subject: JWT,
      act: { sub: `card 4111 1111 1111 1111` },
    })
    const text = raw.join('')
    for (const leak of ['opaque-abc', '4111', JWT.slice(0, 20)]) {
      assert.equal(text.includes(leak), false, `log contains ${leak}`)
    }
    const line = lines()[0] ?? {}
    assert.equal(line.route, 'GET /orders?access_token=[REDACTED]&card=[REDACTED]')
    assert.equal(line.subject, '[REDACTED]')
    assert.deepEqual(line.act, { sub: 'card [REDACTED]' })
  })

  it('redacts secrets by path and by content on the general logger', () => {
    const { destination, raw, lines } = capture()
    const audit = createAuditLogger({ service: 'gateway', destination })
    audit.logger.info(
      {
        headers: { authorization: 'Bearer opaque-abc', cookie: 'sid=abc' },
        token: 'opaque-xyz',
        body: { payment: { card: { pan: '4111111111111111', cvc: '123' } } },
        note: `got ${JWT} and card 4111 1111 1111 1111`,
        numeric: 4111111111111111,
      },
      'request refused',
    )
    const text = raw.join('')
    for (const leak of ['opaque-abc', 'sid=abc', 'opaque-xyz', '4111', JWT.slice(0, 20), '"123"']) {
      assert.equal(text.includes(leak), false, `log contains ${leak}`)
    }
    const line = lines()[0] ?? {}
    assert.deepEqual(line.headers, { authorization: '[REDACTED]', cookie: '[REDACTED]' })
    assert.equal(line.note, 'got [REDACTED] and card [REDACTED]')
  })

  it('redacts by pino path where content masking does not look (serialized objects)', () => {
    const { destination, raw } = capture()
    const audit = createAuditLogger({ service: 'gateway', destination })
    class Headers {
      authorization = 'Bearer opaque-abc'
      'set-cookie' = 'sid=abc'
      accept = 'application/json'
    }
    audit.logger.info({ req: { headers: new Headers() } }, 'incoming request')
    const line = JSON.parse(raw[0] ?? '{}') as { req: { headers: Record<string, string> } }
    assert.deepEqual(line.req.headers, {
      authorization: '[REDACTED]',
      'set-cookie': '[REDACTED]',
      accept: 'application/json',
    })
  })

  it('masks messages and errors on the general logger too', () => {
    const { destination, raw, lines } = capture()
    const audit = createAuditLogger({ service: 'payments-api', destination })
    audit.logger.warn('settling %s', '4111111111111111')
    audit.logger.error(
      { err: new Error('declined 4111111111111111', { cause: new Error(`bad ${JWT}`) }) },
      'payment failed',
    )
    const text = raw.join('')
    assert.equal(text.includes('4111'), false)
    assert.equal(text.includes(JWT.slice(0, 20)), false)
    assert.equal(lines()[0]?.msg, 'settling [REDACTED]')
    // Errors are logged as their class names and codes only: no message, no stack.
    assert.deepEqual(lines()[1]?.err, [{ name: 'Error' }, { name: 'Error' }])
    assert.equal(text.includes('declined'), false)
    assert.equal(text.includes('"stack"'), false)
  })

  it('masks fastify request logs when used as its loggerInstance', async (t) => {
    const { destination, raw, lines } = capture()
    const audit = createAuditLogger({ service: 'orders-api', destination })
    const app = fastify({ loggerInstance: audit.logger })
    t.after(() => app.close())
    app.get('/orders', async () => {
      throw new Error(`declined 4111111111111111 for ${JWT}`)
    })
    await app.inject({
      url: `/orders?access_token=opaque-abc&id_token=${JWT}&pan=4111111111111111`,
      headers: { authorization: 'Bearer opaque-xyz' },
    })
    const text = raw.join('')
    for (const leak of ['opaque-abc', 'opaque-xyz', '4111', JWT.slice(0, 20)]) {
      assert.equal(text.includes(leak), false, `log contains ${leak}`)
    }
    const incoming = lines().find((line) => line.msg === 'incoming request')
    assert.equal(
      (incoming?.req as { url: string }).url,
      '/orders?access_token=[REDACTED]&id_token=[REDACTED]&pan=[REDACTED]',
    )
  })

  it('child loggers (per request) keep service, redaction and masking', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'orders-api', destination })
    audit.logger.child({ reqId: 'r1' }).info({ password: 'p', note: JWT }, 'child')
    assert.equal(lines()[0]?.service, 'orders-api')
    assert.equal(lines()[0]?.reqId, 'r1')
    assert.equal(lines()[0]?.password, '[REDACTED]')
    assert.equal(lines()[0]?.note, '[REDACTED]')
  })

  const malformed: [string, Partial<AuditRecord>, string][] = [
    ['decision', { decision: 'maybe' as 'allow' }, '"decision" must be "allow" or "deny"'],
    ['empty reason', { reason: '' }, '"reason" must be a non-empty string'],
    [
      'non-string reason',
      { reason: 42 as unknown as string },
      '"reason" must be a non-empty string',
    ],
    ['traceId', { traceId: '' }, '"traceId" must be a non-empty string'],
    [
      'boundary',
      { boundary: 'TB99' as 'TB01' },
      '"boundary" must be a trust boundary id TB01–TB14',
    ],
    ['subject', { subject: 7 as unknown as string }, '"subject" must be a string'],
    ['act', { act: 'gateway' as unknown as { sub: string } }, '"act" must be an object'],
    ['status', { status: '400' as unknown as number }, '"status" must be a number'],
    [
      'strippedHeaders',
      { strippedHeaders: 'x-user-id' as unknown as string[] },
      '"strippedHeaders" must be an array of strings',
    ],
  ]
  for (const [name, override, message] of malformed) {
    it(`throws on a malformed ${name} and writes nothing`, () => {
      const { destination, raw } = capture()
      const audit = createAuditLogger({ service: 'orders-api', destination })
      const record = { traceId: TRACE_ID, decision: 'deny', reason: 'token.expired', ...override }
      assert.throws(() => audit.decision(record as AuditRecord), { name: 'TypeError', message })
      assert.equal(raw.length, 0)
    })
  }

  it('keeps a record whose reason is not a code, flagged as audit.invalid_reason', () => {
    const { destination, lines } = capture()
    const audit = createAuditLogger({ service: 'idp', destination })
    audit.decision({ traceId: TRACE_ID, decision: 'deny', reason: 'grant.Client Credentials' })
    const line = lines()[0] ?? {}
    assert.equal(line.reason, 'audit.invalid_reason')
    assert.equal(line.invalidReason, 'grant.Client Credentials')
    assert.equal(line.msg, 'deny audit.invalid_reason')
    assert.equal(line.audit, true)
  })

  it('requires a service name', () => {
    assert.throws(() => createAuditLogger({ service: '' }), {
      name: 'TypeError',
      message: '"service" option must be a non-empty string',
    })
  })
})
