import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resourceUri, serviceByName } from '@mythical/stack'
import { ORDER_TRACKING_RESOURCE, RESOURCE_SERVERS } from '../../../src/provider/resources.ts'

test('the order-tracking resource is the one the stack manifest names', () => {
  assert.equal(ORDER_TRACKING_RESOURCE, resourceUri(serviceByName('order-tracking-api')))
})

test('partner tokens for it are short-lived ES256 JWTs with only tracking:read', () => {
  const definition = RESOURCE_SERVERS[ORDER_TRACKING_RESOURCE]
  assert.equal(definition?.scope, 'tracking:read')
  assert.equal(definition?.accessTokenFormat, 'jwt')
  assert.deepEqual(definition?.jwt, { sign: { alg: 'ES256' } })
  assert.ok((definition?.accessTokenTTL ?? Infinity) <= 300)
})
