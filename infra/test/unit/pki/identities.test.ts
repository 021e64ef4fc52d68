import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pkiIdentities, stackProbeName } from '../../../src/pki/index.ts'
import { SERVICES } from '@mythical/stack'

describe('pkiIdentities', () => {
  const identities = pkiIdentities()
  const byName = new Map(identities.map((identity) => [identity.name, identity]))

  it('covers every service of the manifest, in its own trust domain, with JWKs', () => {
    for (const service of SERVICES) {
      const identity = byName.get(service.name)
      assert.ok(identity, service.name)
      assert.equal(identity.domain, service.domain)
      assert.equal(identity.spiffeId, `spiffe://${service.domain}.mythical.example/${service.name}`)
      assert.deepEqual(identity.dnsNames, ['localhost', service.name])
      assert.equal(identity.hasJwks, true)
    }
  })

  it('covers the PostgreSQL and RabbitMQ servers in the retail domain, without JWKs', () => {
    for (const name of ['postgres', 'rabbitmq']) {
      assert.deepEqual(byName.get(name), {
        name,
        domain: 'retail',
        spiffeId: `spiffe://retail.mythical.example/${name}`,
        dnsNames: ['localhost', name],
        hasJwks: false,
      })
    }
  })

  it('has one stack probe per trust domain', () => {
    for (const domain of ['retail', 'cardvault', 'shipping'] as const) {
      const probe = byName.get(stackProbeName(domain))
      assert.equal(probe?.name, `stack-probe-${domain}`)
      assert.equal(probe?.spiffeId, `spiffe://${domain}.mythical.example/stack-probe`)
      assert.equal(probe?.domain, domain)
      assert.equal(probe?.hasJwks, false)
    }
  })

  it("gives the card vault's registered callers a cardvault client certificate in their own folder", () => {
    for (const caller of ['order-fulfillment-api', 'payments-api']) {
      assert.deepEqual(byName.get(`${caller}/cardvault`), {
        name: `${caller}/cardvault`,
        domain: 'cardvault',
        spiffeId: `spiffe://cardvault.mythical.example/${caller}`,
        dnsNames: ['localhost'],
        hasJwks: false,
      })
    }
  })

  it('gives every identity its own secrets folder', () => {
    assert.equal(byName.size, identities.length)
    assert.equal(identities.length, SERVICES.length + 2 + 3 + 2)
  })
})
