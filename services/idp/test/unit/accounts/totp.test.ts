import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createGuardrails, generate } from 'otplib'
import { verifyTotp } from '../../../src/accounts/totp.ts'

const secret = 'JBSWY3DPEHPK3PXP'
const now = new Date('2026-11-24T10:00:00Z')
const epoch = Math.floor(now.getTime() / 1000)
const code = (at: number) =>
  generate({ secret, epoch: at, guardrails: createGuardrails({ MIN_SECRET_BYTES: 10 }) })

test('the current code is accepted and its time step returned', async () => {
  const result = await verifyTotp(secret, await code(epoch), undefined, now)
  assert.deepEqual(result, { valid: true, timeStep: Math.floor(epoch / 30) })
})

test('one step of clock skew is tolerated, two are not', async () => {
  assert.equal((await verifyTotp(secret, await code(epoch - 30), undefined, now)).valid, true)
  assert.equal((await verifyTotp(secret, await code(epoch - 90), undefined, now)).valid, false)
})

test('a code of an already used time step is a replay', async () => {
  const result = await verifyTotp(secret, await code(epoch), Math.floor(epoch / 30), now)
  assert.deepEqual(result, { valid: false, replayed: true })
})

test('malformed codes are refused without a check', async () => {
  for (const bad of ['', '12345', '1234567', 'abcdef']) {
    assert.deepEqual(await verifyTotp(secret, bad, undefined, now), {
      valid: false,
      replayed: false,
    })
  }
})
