import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { exportJWK, generateKeyPair } from 'jose'
import { CALL_GRAPH, SERVICES } from '@mythical/stack'
import { clientRegistry } from '../../../clients.ts'
import { PARTNER_TARGET, resourceCatalogue } from '../../../src/policies/resources.ts'

const catalogue = resourceCatalogue('https://localhost:5000')

test('every audience of the call graph is a resource of the catalogue', () => {
  const resources = new Set([...catalogue.values()].map((r) => r.service))
  for (const call of CALL_GRAPH.filter((c) => c.credential === 'access-token')) {
    assert.ok(resources.has(call.callee), `${call.caller} → ${call.callee}`)
  }
})

test('every resource of the catalogue is a manifest service', () => {
  for (const r of catalogue.values()) {
    assert.ok(
      SERVICES.some((s) => s.name === r.service),
      r.service,
    )
  }
  assert.equal(PARTNER_TARGET, 'partner-idp')
})

test('gateway tokens are opaque, internal tokens and the partner token are JWTs', () => {
  assert.equal(catalogue.get('https://gateway.retail.mythical.example')?.format, 'opaque')
  assert.equal(catalogue.get('https://orders-api.retail.mythical.example')?.format, 'jwt')
  assert.deepEqual(catalogue.get('https://localhost:5000')?.scopes, ['tracking:read'])
})

test("a workload client's scopes are those of its call-graph audiences only", async () => {
  const pkiDir = mkdtempSync(join(tmpdir(), 'idp-clients-'))
  mkdirSync(join(pkiDir, 'retail', 'jwks'), { recursive: true })
  const { publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'web-1', alg: 'ES256', use: 'sig' }
  writeFileSync(join(pkiDir, 'retail', 'jwks', 'web.json'), JSON.stringify({ keys: [jwk] }))
  try {
    const clients = clientRegistry({
      webOrigin: 'https://localhost:3000',
      pkiDir,
      partnerIssuer: 'https://localhost:5000',
    })
    const scopesOf = (id: string) => clients.find((c) => c.client_id === id)?.scope?.split(' ')
    // Loyalty points reach customers-api as an event, never as a call from the process API.
    assert.deepEqual(scopesOf('order-fulfillment-api')?.sort(), ['orders:read', 'orders:write'])
    assert.deepEqual(scopesOf('shop-assistant-api')?.sort(), ['customers:read', 'customers:write'])
    assert.equal(scopesOf('orders-api'), undefined)
    // Anonymous browsing: the shopper client's own token; the gateway's catalogue machine token.
    const grantsOf = (id: string) => clients.find((c) => c.client_id === id)?.grant_types
    assert.ok(grantsOf('web')?.includes('client_credentials'))
    assert.ok(!grantsOf('web-staff')?.includes('client_credentials'))
    assert.ok(scopesOf('gateway')?.includes('catalogue:read'))
    assert.ok(!scopesOf('web')?.includes('catalogue:read'))
    // The trust trace: the shopper's BFF may ask for it, the staff app may not; my-shopping-api
    // exchanges for it towards trace-store, which understands nothing else.
    assert.ok(scopesOf('web')?.includes('traces:read'))
    assert.ok(!scopesOf('web-staff')?.includes('traces:read'))
    assert.ok(scopesOf('my-shopping-api')?.includes('traces:read'))
    assert.deepEqual(catalogue.get('https://trace-store.retail.mythical.example')?.scopes, [
      'traces:read',
    ])
  } finally {
    rmSync(pkiDir, { recursive: true, force: true })
  }
})
