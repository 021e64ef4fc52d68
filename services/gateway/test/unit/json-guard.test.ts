import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JsonGuard, JsonLimitExceeded, type JsonLimit } from '../../src/json-guard.ts'

const LIMITS = { maxBytes: 1000, maxDepth: 3, maxKeys: 3, maxArrayLength: 3, maxStringLength: 5 }

/** Feeds `text` in chunks of `size` bytes; returns the limit crossed, if any. */
function scan(text: string, size = 1): JsonLimit | undefined {
  const guard = new JsonGuard(LIMITS)
  const bytes = Buffer.from(text)
  try {
    for (let i = 0; i < bytes.length; i += size) guard.write(bytes.subarray(i, i + size))
  } catch (err) {
    if (err instanceof JsonLimitExceeded) return err.limit
    throw err
  }
  return undefined
}

describe('JsonGuard', () => {
  it('passes documents at every limit, whatever the chunking', () => {
    const ok = '{"a":[1,2,{"b":"12345"}],"c":"x\\"y","d":[]}'
    for (const size of [1, 2, 7, 1000]) assert.equal(scan(ok, size), undefined, `chunks of ${size}`)
  })

  it('stops at the first limit crossed', () => {
    assert.equal(scan('[[[[]]]]'), 'depth')
    assert.equal(scan('{"a":1,"b":2,"c":3,"d":4}'), 'keys')
    assert.equal(scan('[1,2,3,4]'), 'array')
    assert.equal(scan('["123456"]'), 'string')
    assert.equal(scan(`[${'1,'.repeat(600)}1]`, 50), 'array')
    assert.equal(scan(' '.repeat(1001), 100), 'size')
  })

  it('does not count brackets, commas or quotes inside strings', () => {
    assert.equal(scan('{"a":"[[[,"}'), undefined)
    assert.equal(scan('{"a":"\\\\"}'), undefined)
    assert.equal(scan('["a\\"b"]'), undefined)
  })

  it('stops a huge array early: it never reads past the first item over the limit', () => {
    const guard = new JsonGuard({ ...LIMITS, maxBytes: 10_000_000 })
    const chunk = Buffer.from('[' + '0,'.repeat(1000))
    assert.throws(() => guard.write(chunk), { limit: 'array' })
  })
})
