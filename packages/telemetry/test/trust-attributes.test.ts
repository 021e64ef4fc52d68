/**
 * What the trust trace records of a token and of an event envelope: the decoded claims and the
 * header fields that explain a hop, never the token, its signature, its id or a key.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { envelopeAttributes, tokenAttributes } from '../src/index.ts'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const TOKEN = `${b64({ alg: 'ES256' })}.${b64({ sub: 'katie' })}.c2lnbmF0dXJlLWJ5dGVz`

describe('tokenAttributes', () => {
  const claims = {
    sub: 'katie-sub',
    aud: 'https://orders-api.retail.mythical.example',
    scope: 'orders:read',
    client_id: 'order-fulfillment-api',
    act: { sub: 'order-fulfillment-api', act: { sub: 'my-shopping-api', act: { sub: 'gateway' } } },
    acr: 'urn:mythical:acr:pwd',
    amr: ['pwd'],
    cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
    jti: 'token-id-1',
    iss: 'https://localhost:4000',
    exp: 1,
  }

  it('maps the claims that explain the hop', () => {
    assert.deepEqual(tokenAttributes(claims), {
      'enduser.id': 'katie-sub',
      'mythical.token.aud': 'https://orders-api.retail.mythical.example',
      'mythical.token.scope': 'orders:read',
      'mythical.token.client_id': 'order-fulfillment-api',
      'mythical.token.act': 'order-fulfillment-api ← my-shopping-api ← gateway',
      'mythical.token.acr': 'urn:mythical:acr:pwd',
      'mythical.token.amr': 'pwd',
      'mythical.token.cnf_x5t_s256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2',
    })
  })

  it('never maps the token id, nor anything shaped like a token', () => {
    const attributes = tokenAttributes({ ...claims, token: TOKEN } as never)
    const text = JSON.stringify(attributes)
    assert.ok(!text.includes('token-id-1'))
    assert.ok(!text.includes(TOKEN) && !text.includes('c2lnbmF0dXJl'))
  })

  it('drops a malformed act chain rather than guess', () => {
    assert.equal(tokenAttributes({ act: { act: 'x' } })['mythical.token.act'], undefined)
  })
})

describe('envelopeAttributes', () => {
  it('reads algorithms and recipient key ids from the headers only', () => {
    const body = Buffer.from(
      JSON.stringify({
        envelopes: [
          {
            protected: b64({ enc: 'A256GCM' }),
            recipients: [
              { header: { alg: 'A256KW', kid: 'kek-customers' }, encrypted_key: 'SECRET-KEY' },
              { header: { alg: 'A256KW', kid: 'kek-payments' }, encrypted_key: 'SECRET-KEY' },
            ],
            ciphertext: 'CIPHERTEXT',
            iv: 'IV',
            tag: 'TAG',
          },
        ],
      }),
    )
    const attributes = envelopeAttributes(body)
    assert.deepEqual(attributes, {
      'mythical.event.encryption': 'A256KW + A256GCM',
      'mythical.event.recipients': '2 recipients in 1 envelopes: kek-customers, kek-payments',
    })
    assert.ok(!JSON.stringify(attributes).match(/SECRET-KEY|CIPHERTEXT/))
  })

  it('says nothing of a body that is not an envelope', () => {
    assert.deepEqual(envelopeAttributes(Buffer.from('not json')), {})
  })
})
