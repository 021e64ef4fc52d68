import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  SECRET_FILES,
  SERVICES,
  principalName,
  resourceUri,
  serviceByName,
  serviceSecrets,
  stackPaths,
  workloadId,
} from '../src/index.ts'

test('service names and ports are unique', () => {
  const names = SERVICES.map((s) => s.name)
  assert.equal(new Set(names).size, names.length)
  const ports = SERVICES.flatMap((s) => [s.port, ...(s.mtlsPort ? [s.mtlsPort] : [])])
  assert.equal(new Set(ports).size, ports.length)
})

test('a service is known by its workload id, resource URI and principal', () => {
  const orders = serviceByName('orders-api')
  assert.equal(
    workloadId(orders.domain, orders.name),
    'spiffe://retail.mythical.example/orders-api',
  )
  assert.equal(resourceUri(orders), 'https://orders-api.retail.mythical.example')
  assert.equal(principalName(orders.name), 'orders_api')
  assert.throws(() => serviceByName('mallory'), TypeError)
})

test('a service holds database or broker credentials only when it has a database or broker rights', () => {
  assert.ok(serviceSecrets(serviceByName('orders-api')).includes(SECRET_FILES.database))
  assert.ok(!serviceSecrets(serviceByName('orders-api')).includes(SECRET_FILES.amqp))
  assert.ok(!serviceSecrets(serviceByName('gateway')).includes(SECRET_FILES.database))
})

test('.stack/ layout under the given root', () => {
  const paths = stackPaths('/repo')
  assert.equal(paths.caCert('retail'), '/repo/.stack/pki/retail/ca.pem')
  assert.equal(paths.manifest, '/repo/.stack/stack.json')
  assert.equal(paths.secrets('idp'), '/repo/.stack/secrets/idp')
})
