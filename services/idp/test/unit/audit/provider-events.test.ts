/**
 * oidc-provider's events become audit records of the one shape (`@mythical/audit`), written
 * through the real audit logger: a refusal carries the OAuth error code under `oauthError`, as
 * the client received it (the error serializer used to turn it into `[{"name":"string"}]`).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Provider, { errors } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { createAuditLogger } from '@mythical/audit'
import { idpAudit } from '../../../src/audit/idp-audit.ts'
import { auditProviderEvents } from '../../../src/audit/provider-events.ts'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`

function setup() {
  const lines: Record<string, unknown>[] = []
  const logger = createAuditLogger({
    service: 'idp',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  const provider = new Provider('https://localhost:4000')
  auditProviderEvents(provider, idpAudit(logger), new Map())
  const ctx = (params: Record<string, unknown>, clientId?: string) =>
    ({
      req: { headers: { traceparent: TRACEPARENT } },
      oidc: { params, ...(clientId ? { client: { clientId } } : {}) },
    }) as unknown as KoaContextWithOIDC
  return { provider, lines, ctx }
}

test('a refused grant is a deny record with the OAuth error code and the client', () => {
  const { provider, lines, ctx } = setup()
  provider.emit(
    'grant.error',
    ctx({ grant_type: 'authorization_code' }, 'web'),
    new errors.InvalidGrant('authorization code already consumed'),
  )
  const { time: _time, ...record } = lines[0] ?? {}
  assert.deepEqual(record, {
    level: 'info',
    service: 'idp',
    traceId: TRACE_ID,
    boundary: 'TB02',
    client: 'web',
    decision: 'deny',
    reason: 'token.code_replayed',
    oauthError: 'invalid_grant',
    audit: true,
    msg: 'deny token.code_replayed',
  })
})

test('every endpoint refusal carries its OAuth error code', () => {
  const { provider, lines, ctx } = setup()
  provider.emit('introspection.error', ctx({}), new errors.InvalidClient('client not found'))
  provider.emit('revocation.error', ctx({}), new errors.UnsupportedTokenType())
  provider.emit('authorization.error', ctx({}), new errors.InvalidRequest('bad'))
  assert.deepEqual(
    lines.map((line) => line.oauthError),
    ['invalid_client', 'unsupported_token_type', 'invalid_request'],
  )
  assert.ok(lines.every((line) => !('error' in line)))
})

test('a revoked grant is recorded with its id, not its tokens', () => {
  const { provider, lines, ctx } = setup()
  provider.emit('grant.revoked', ctx({}, 'web'), 'grant-123')
  assert.equal(lines[0]?.reason, 'grant.revoked')
  assert.equal(lines[0]?.grantId, 'grant-123')
  assert.equal(lines[0]?.client, 'web')
  assert.equal(lines[0]?.boundary, 'TB02')
})
