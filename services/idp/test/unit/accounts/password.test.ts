import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashPassword, verifyPassword } from '../../../src/accounts/password.ts'

test('a password verifies against its own hash only', async () => {
  const stored = await hashPassword('katie-loves-shopping')
  assert.match(stored, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
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
