import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IDENT_MAP, renderIdentFile, workloadDn } from '../../../src/postgres/ident-map.ts'
import { SERVICES, type ServiceDefinition } from '@mythical/stack'

const service = (
  name: string,
  domain: ServiceDefinition['domain'],
  database?: string,
): ServiceDefinition => ({
  name,
  domain,
  exposure: 'internal',
  port: 1,
  role: 'test',
  entry: 'x.ts',
  dependsOn: [],
  ...(database ? { database } : {}),
})

const mappings = (text: string) =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))

describe('workloadDn', () => {
  it("is the workload certificate's subject in RFC 2253 order: CN, then the trust domain as O", () => {
    assert.equal(
      workloadDn({ name: 'orders-api', domain: 'retail' }),
      'CN=orders-api,O=retail.mythical.example',
    )
  })

  it("tells retail's orders-api from a shipping look-alike with the same CN", () => {
    assert.notEqual(
      workloadDn({ name: 'orders-api', domain: 'shipping' }),
      workloadDn({ name: 'orders-api', domain: 'retail' }),
    )
  })
})

describe('renderIdentFile', () => {
  it('maps each database owner, and only those, to its own role in the workloads map', () => {
    const text = renderIdentFile([
      service('orders-api', 'retail', 'orders'),
      service('bff', 'retail'),
      service('shipping-api', 'shipping', 'shipping'),
    ])
    assert.deepEqual(mappings(text), [
      `${IDENT_MAP}  "CN=orders-api,O=retail.mythical.example"  orders_api`,
      `${IDENT_MAP}  "CN=shipping-api,O=shipping.mythical.example"  shipping_api`,
    ])
  })

  it('has exactly one line per manifest service with a database, and no role twice', () => {
    const lines = mappings(renderIdentFile())
    const owners = SERVICES.filter((s) => s.database !== undefined)
    assert.equal(lines.length, owners.length)
    const roles = lines.map((line) => line.split(/\s+/).at(-1))
    assert.equal(new Set(roles).size, roles.length)
    assert.ok(!roles.includes('postgres'), 'no certificate maps to the superuser')
  })

  it('quotes every DN, whose comma would otherwise split the token', () => {
    for (const line of mappings(renderIdentFile())) {
      assert.match(line, /^workloads {2}"CN=[a-z0-9-]+,O=[a-z]+\.mythical\.example" {2}[a-z_]+$/)
    }
  })

  it('renders nothing but comments for a manifest without databases', () => {
    assert.deepEqual(mappings(renderIdentFile([service('bff', 'retail')])), [])
  })
})
