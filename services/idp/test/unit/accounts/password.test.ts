import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashPassword, needsRehash, verifyPassword } from '../../../src/accounts/password.ts'

test('a password verifies against its own hash only, hashed at OWASP cost (N=2^17, r=8, p=1)', async () => {
  const stored = await hashPassword('katie-loves-shopping')
  assert.match(stored, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
  assert.equal(needsRehash(stored), false)
  assert.equal(await verifyPassword('katie-loves-shopping', stored), true)
  assert.equal(await verifyPassword('katie-loves-shoppinG', stored), false)
})

test('every hash has its own salt', async () => {
  const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')])
  assert.notEqual(a, b)
})

test('a malformed stored hash verifies as false instead of throwing', async () => {
  for (const stored of [
    '',
    'plain',
    'scrypt$1$2$3$salt',
    'bcrypt$x$y$z$a$b',
    'scrypt$0$8$1$AAAA$AAAA',
  ]) {
    assert.equal(await verifyPassword('x', stored), false, stored)
  }
})

test('a hash below the current cost (the former N=2^15) needs a rehash; a malformed one too', () => {
  const salt = 'AAAAAAAAAAAAAAAAAAAAAA'
  const hash = 'A'.repeat(43)
  assert.equal(needsRehash(`scrypt$32768$8$1$${salt}$${hash}`), true)
  assert.equal(needsRehash(`scrypt$131072$8$1$${salt}$${hash}`), false)
  assert.equal(needsRehash('plain'), true)
})
