import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addressList, clientAddress } from '../../src/address-list.ts'

describe('address lists', () => {
  it('match IPv4, IPv6 and IPv4-mapped IPv6 addresses against CIDR blocks', () => {
    const list = addressList(['203.0.113.0/24', '2001:db8::/32', '127.0.0.66'])
    assert.equal(list.has('203.0.113.200'), true)
    assert.equal(list.has('::ffff:203.0.113.7'), true)
    assert.equal(list.has('2001:db8::1'), true)
    assert.equal(list.has('127.0.0.66'), true)
    assert.equal(list.has('127.0.0.1'), false)
    assert.equal(list.has('not an address'), false)
  })
})

describe('client address', () => {
  const none = addressList([])
  const proxies = addressList(['10.0.0.0/8'])

  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress('198.51.100.7', '127.0.0.1', none), '198.51.100.7')
  })

  it('walks X-Forwarded-For from the right past trusted proxies only', () => {
    assert.equal(clientAddress('10.0.0.5', '1.2.3.4, 203.0.113.9', proxies), '203.0.113.9')
    assert.equal(
      clientAddress('10.0.0.5', '1.2.3.4, 203.0.113.9, 10.0.0.7', proxies),
      '203.0.113.9',
    )
    // A client cannot prepend its way in: its own entries sit left of what the proxy appended.
    assert.equal(clientAddress('10.0.0.5', ['127.0.0.1', '203.0.113.9'], proxies), '203.0.113.9')
  })

  it('stops at the last trusted proxy when the header is missing or malformed', () => {
    assert.equal(clientAddress('10.0.0.5', undefined, proxies), '10.0.0.5')
    assert.equal(clientAddress('10.0.0.5', 'garbage', proxies), '10.0.0.5')
  })
})
