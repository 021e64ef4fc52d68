import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  childTraceparent,
  currentTraceContext,
  parseTraceparent,
  runWithTraceContext,
  type TraceContext,
} from '../src/index.ts'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

describe('parseTraceparent', () => {
  it('parses a valid version 00 header', () => {
    assert.deepEqual(parseTraceparent(VALID), {
      traceId: TRACE_ID,
      parentId: PARENT_ID,
      flags: '01',
    })
  })

  it('tolerates surrounding whitespace (header values are trimmed by HTTP)', () => {
    assert.equal(parseTraceparent(` ${VALID} `)?.traceId, TRACE_ID)
  })

  const invalid: [string, string | undefined][] = [
    ['missing', undefined],
    ['empty', ''],
    ['upper-case hex', VALID.toUpperCase()],
    ['unknown version', `01-${TRACE_ID}-${PARENT_ID}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ['long parent id', `00-${TRACE_ID}-${PARENT_ID}0-01`],
    ['non-hex', `00-${TRACE_ID.replace('4', 'g')}-${PARENT_ID}-01`],
    ['trailing data', `${VALID}-extra`],
    ['missing flags', `00-${TRACE_ID}-${PARENT_ID}`],
    ['injection attempt', `${VALID}\r\nx-user: admin`],
  ]
  for (const [name, header] of invalid) {
    it(`rejects ${name}`, () => {
      assert.equal(parseTraceparent(header), undefined)
    })
  }
})

describe('childTraceparent', () => {
  it('continues the parent trace with a new span id and the same flags', () => {
    const parent = { traceId: TRACE_ID, parentId: PARENT_ID, flags: '00' }
    const { traceparent, context } = childTraceparent(parent)
    assert.equal(context.traceId, TRACE_ID)
    assert.equal(context.flags, '00')
    assert.notEqual(context.parentId, PARENT_ID)
    assert.equal(traceparent, `00-${TRACE_ID}-${context.parentId}-00`)
    assert.deepEqual(parseTraceparent(traceparent), context)
  })

  it('starts a new sampled trace without a parent', () => {
    const { traceparent, context } = childTraceparent()
    assert.match(traceparent, TRACEPARENT)
    assert.equal(context.flags, '01')
    assert.deepEqual(parseTraceparent(traceparent), context)
  })

  it('uses fresh random ids every time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => childTraceparent().context.traceId))
    assert.equal(ids.size, 100)
    const spans = new Set(
      Array.from({ length: 100 }, () => childTraceparent(parseTraceparent(VALID)).context.parentId),
    )
    assert.equal(spans.size, 100)
  })
})

describe('runWithTraceContext / currentTraceContext', () => {
  const outer: TraceContext = { traceId: TRACE_ID, parentId: PARENT_ID, flags: '01' }
  const inner: TraceContext = { traceId: 'a'.repeat(32), parentId: 'b'.repeat(16), flags: '00' }

  it('has no context outside of a run', () => {
    assert.equal(currentTraceContext(), undefined)
  })

  it('exposes the context to the callback and returns its result', () => {
    assert.equal(
      runWithTraceContext(outer, () => currentTraceContext()),
      outer,
    )
  })

  it('follows async continuations and ends with the run', async () => {
    const seen = await runWithTraceContext(outer, async () => {
      await sleep(1)
      return currentTraceContext()
    })
    assert.equal(seen, outer)
    assert.equal(currentTraceContext(), undefined)
  })

  it('lets an inner run shadow the outer context and restores it afterwards', () => {
    runWithTraceContext(outer, () => {
      assert.equal(
        runWithTraceContext(inner, () => currentTraceContext()),
        inner,
      )
      assert.equal(currentTraceContext(), outer)
    })
  })

  it('keeps concurrent runs apart', async () => {
    const contexts = Array.from({ length: 20 }, () => childTraceparent().context)
    const seen = await Promise.all(
      contexts.map((context, i) =>
        runWithTraceContext(context, async () => {
          await sleep((i * 7) % 5)
          return currentTraceContext()
        }),
      ),
    )
    assert.deepEqual(seen, contexts)
  })
})
