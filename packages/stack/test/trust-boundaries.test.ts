import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TRUST_BOUNDARIES, TRUST_BOUNDARY_IDS, isTrustBoundaryId } from '../src/index.ts'

test('TB01–TB14, each keyed by its own id', () => {
  assert.deepEqual(
    TRUST_BOUNDARY_IDS,
    Array.from({ length: 14 }, (_, i) => `TB${String(i + 1).padStart(2, '0')}`),
  )
  for (const id of TRUST_BOUNDARY_IDS) assert.equal(TRUST_BOUNDARIES[id].id, id)
  assert.equal(TRUST_BOUNDARIES.TB03.name, 'web ↔ gateway')
})

test('isTrustBoundaryId accepts the registry ids only', () => {
  assert.equal(isTrustBoundaryId('TB10'), true)
  for (const value of ['TB15', 'tb10', 'TB1', '', 'toString', '__proto__']) {
    assert.equal(isTrustBoundaryId(value), false, value)
  }
})
