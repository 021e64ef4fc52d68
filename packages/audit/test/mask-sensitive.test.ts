import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  isLuhnValid,
  isSensitiveKey,
  maskLine,
  maskText,
  maskValue,
  REDACTED,
} from '../src/index.ts'

const JWT =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJrYXRpZSIsImF1ZCI6Im9yZGVycy1hcGkifQ.c2lnbmF0dXJl'
const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn'

describe('isLuhnValid', () => {
  it('accepts test card numbers', () => {
    for (const pan of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '6011111111111117',
    ]) {
      assert.equal(isLuhnValid(pan), true, pan)
    }
  })

  it('rejects a wrong check digit and the empty string', () => {
    assert.equal(isLuhnValid('4111111111111112'), false)
    assert.equal(isLuhnValid(''), false)
  })
})

describe('maskText', () => {
  it('masks card numbers, plain or grouped', () => {
    assert.equal(maskText('pan 4111111111111111 ok'), `pan ${REDACTED} ok`)
    assert.equal(maskText('4111 1111 1111 1111'), REDACTED)
    assert.equal(maskText('4111-1111-1111-1111'), REDACTED)
    assert.equal(maskText('amex 378282246310005.'), `amex ${REDACTED}.`)
    assert.equal(maskText('pan=4111111111111111&x'), `pan=${REDACTED}&x`)
    assert.equal(maskText('card4111111111111111'), `card${REDACTED}`)
  })

  it('masks a card number next to other digits', () => {
    assert.equal(maskText('qty 12 4111 1111 1111 1111'), `qty ${REDACTED}`)
    assert.equal(maskText('4111 1111 1111 1111 123'), REDACTED)
  })

  it('keeps trace ids, span ids and UUIDs whole, even when a digit run in them passes Luhn', () => {
    // Each holds a Luhn-valid 13-19 digit run ("4111111111111111", "80702-7091-4526-9548-05").
    for (const id of [
      'ab4111111111111111cdef0123456789',
      'a4111111111111111'.slice(0, 16),
      '67d80702-7091-4526-9548-052b61b95afe',
    ]) {
      assert.equal(maskText(`trace ${id} done`), `trace ${id} done`)
      assert.equal(maskText(`{"traceId":"${id}"}`), `{"traceId":"${id}"}`)
    }
    // A UUID behind a prefix and a dash (test subjects are `katie-<uuid>`): "3-0303-4540-8967-38".
    const subject = 'katie-4b121cf3-0303-4540-8967-38f039f4dec1'
    assert.equal(maskText(`{"sub":"${subject}"}`), `{"sub":"${subject}"}`)
  })

  it('still masks a card number that merely looks like a hexadecimal id (no letter in it)', () => {
    assert.equal(maskText('span 4111111111111111 done'), `span ${REDACTED} done`)
    assert.equal(maskText('id 4111111111111111aa'), `id ${REDACTED}aa`)
  })

  it('masks JWS and JWE compact serializations', () => {
    assert.equal(maskText(`Bearer ${JWT}`), `Bearer ${REDACTED}`)
    assert.equal(maskText(`jwe=${JWE};`), `jwe=${REDACTED};`)
    assert.equal(maskText('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'), REDACTED)
  })

  it('masks credential parameters in URLs and form bodies, opaque or not', () => {
    assert.equal(
      maskText('/cb?code=abc123&state=xyz&access_token=opaque'),
      `/cb?code=${REDACTED}&state=xyz&access_token=${REDACTED}`,
    )
    assert.equal(
      maskText('grant_type=password&password=hunter2&client_secret=s3'),
      `grant_type=password&password=${REDACTED}&client_secret=${REDACTED}`,
    )
    assert.equal(maskText('status_code=500 zipcode=12345'), 'status_code=500 zipcode=12345')
  })

  it('leaves ordinary text alone', () => {
    const text = [
      'order 1234 for 2 items',
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      'at 2026-11-24T11:00:42.123Z',
      'epoch 1764000000000', // 13 digits, Luhn-valid, but no card scheme starts with 1
      '4111111111111112', // Luhn-invalid
      '123456789012', // 12 digits
      'spiffe://retail.mythical.example/orders-api',
      'eyJ-not-a-token',
    ].join(' | ')
    assert.equal(isLuhnValid('1764000000000'), true)
    assert.equal(maskText(text), text)
  })
})

describe('maskValue', () => {
  it('masks sensitive keys at any depth, whatever their value', () => {
    const masked = maskValue({
      a: { b: { c: { password: 'hunter2', client_secret: 's', cardNumber: 4, 'X-Api-Key': 'k' } } },
      list: [{ access_token: 'opaque-token' }],
      token: null,
    })
    assert.deepEqual(masked, {
      a: {
        b: {
          c: {
            password: REDACTED,
            client_secret: REDACTED,
            cardNumber: REDACTED,
            'X-Api-Key': REDACTED,
          },
        },
      },
      list: [{ access_token: REDACTED }],
      token: null,
    })
  })

  it('masks card numbers given as numbers', () => {
    assert.deepEqual(maskValue({ n: 4111111111111111, count: 3, time: 1764000000000 }), {
      n: REDACTED,
      count: 3,
      time: 1764000000000,
    })
  })

  it('does not mutate its input', () => {
    const input = { password: 'x', note: JWT }
    maskValue(input)
    assert.deepEqual(input, { password: 'x', note: JWT })
  })

  it('leaves class instances to their serializers', () => {
    class Request {
      authorization = 'x'
    }
    const request = new Request()
    assert.equal(maskValue(request), request)
  })

  it('replaces objects nested too deeply instead of walking them', () => {
    let deep: Record<string, unknown> = { pan: '4111111111111111' }
    for (let i = 0; i < 20; i++) deep = { next: deep }
    assert.equal(JSON.stringify(maskValue(deep)).includes('4111'), false)
  })
})

describe('isSensitiveKey', () => {
  it('ignores case, dashes and underscores', () => {
    for (const key of [
      'Authorization',
      'set-cookie',
      'ACCESS_TOKEN',
      'clientSecret',
      'card_number',
    ]) {
      assert.equal(isSensitiveKey(key), true, key)
    }
    for (const key of ['code', 'subject', 'caller', 'reason', 'traceId']) {
      assert.equal(isSensitiveKey(key), false, key)
    }
  })
})

describe('maskLine', () => {
  it('returns a clean line unchanged', () => {
    const line = '{"level":"info","time":"2026-11-24T11:00:00.000Z","msg":"ok","n":1764000000000}\n'
    assert.equal(maskLine(line), line)
  })

  it('masks strings and numbers of a finished JSON line and keeps it valid JSON', () => {
    const line = `${JSON.stringify({ url: `/a?x=${JWT}`, n: 4111111111111111, note: 'say "hi"' })}\n`
    const masked = maskLine(line)
    assert.ok(masked.endsWith('\n'))
    assert.deepEqual(JSON.parse(masked), { url: `/a?x=${REDACTED}`, n: REDACTED, note: 'say "hi"' })
  })

  it('masks text that is not JSON', () => {
    assert.equal(maskLine('plain 4111111111111111\n'), `plain ${REDACTED}\n`)
  })
})
