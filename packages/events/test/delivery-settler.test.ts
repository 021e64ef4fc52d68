/** Coalesced acks against a recording stand-in of an amqplib channel (the frames it would send). */
import assert from 'node:assert/strict'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, test } from 'node:test'
import type { Channel, ConsumeMessage } from 'amqplib'
import { createDeliverySettler } from '../src/delivery-settler.ts'

function recordingChannel(options: { closed?: boolean } = {}) {
  const frames: string[] = []
  const channel = {
    ack(msg: ConsumeMessage, allUpTo = false) {
      if (options.closed) throw new Error('Channel closed')
      frames.push(`ack ${msg.fields.deliveryTag}${allUpTo ? ' and all before' : ''}`)
    },
    nack(msg: ConsumeMessage, allUpTo = false, requeue = true) {
      if (options.closed) throw new Error('Channel closed')
      frames.push(
        `nack ${msg.fields.deliveryTag}${allUpTo ? ' and all before' : ''}${requeue ? ' requeue' : ''}`,
      )
    },
  } as unknown as Channel
  return { channel, frames }
}

const deliveries = (n: number): ConsumeMessage[] =>
  Array.from({ length: n }, (_, i) => ({ fields: { deliveryTag: i + 1 } }) as ConsumeMessage)

describe('delivery settler', () => {
  test('acks of one turn, in delivery order, go as one multiple-ack after the turn', async () => {
    const { channel, frames } = recordingChannel()
    const settler = createDeliverySettler(channel)
    const msgs = deliveries(3)
    msgs.forEach((m) => settler.received(m))
    for (const m of msgs) settler.settle(m, 'ack')
    assert.deepEqual(frames, [], 'nothing sent before the end of the turn')
    await nextTurn()
    assert.deepEqual(frames, ['ack 3 and all before'])
  })

  test('an ack behind a delivery still in hand goes alone; the run before it as one', async () => {
    const { channel, frames } = recordingChannel()
    const settler = createDeliverySettler(channel)
    const [a, b, c, d] = deliveries(4) as [
      ConsumeMessage,
      ConsumeMessage,
      ConsumeMessage,
      ConsumeMessage,
    ]
    ;[a, b, c, d].forEach((m) => settler.received(m))
    settler.settle(a, 'ack')
    settler.settle(b, 'ack')
    settler.settle(d, 'ack')
    await nextTurn()
    assert.deepEqual(frames, ['ack 2 and all before', 'ack 4'])
    settler.settle(c, 'ack')
    await nextTurn()
    assert.deepEqual(frames.slice(2), ['ack 3 and all before'])
  })

  test('rejects and requeues go at once, alone, and never ride on a multiple-ack', async () => {
    const { channel, frames } = recordingChannel()
    const settler = createDeliverySettler(channel)
    const [a, b, c] = deliveries(3) as [ConsumeMessage, ConsumeMessage, ConsumeMessage]
    ;[a, b, c].forEach((m) => settler.received(m))
    settler.settle(a, 'ack')
    settler.settle(b, 'requeue')
    assert.deepEqual(frames, ['nack 2 requeue'])
    settler.settle(c, 'reject')
    assert.deepEqual(frames, ['nack 2 requeue', 'nack 3'])
    await nextTurn()
    assert.deepEqual(frames.slice(2), ['ack 1 and all before'])
  })

  test('a rejected delivery between acked ones: the acks after it still go as one run', async () => {
    const { channel, frames } = recordingChannel()
    const settler = createDeliverySettler(channel)
    const [a, b, c] = deliveries(3) as [ConsumeMessage, ConsumeMessage, ConsumeMessage]
    ;[a, b, c].forEach((m) => settler.received(m))
    settler.settle(b, 'reject')
    settler.settle(a, 'ack')
    settler.settle(c, 'ack')
    await nextTurn()
    // Tag 2 is settled already: acking "3 and all before" covers 1 and 3 only.
    assert.deepEqual(frames, ['nack 2', 'ack 3 and all before'])
  })

  test('flush sends the waiting acks now (before the channel is closed)', () => {
    const { channel, frames } = recordingChannel()
    const settler = createDeliverySettler(channel)
    const [a] = deliveries(1) as [ConsumeMessage]
    settler.received(a)
    settler.settle(a, 'ack')
    settler.flush()
    assert.deepEqual(frames, ['ack 1 and all before'])
  })

  test('a closed channel: settling throws nothing (the broker requeues unacked deliveries)', async () => {
    const { channel } = recordingChannel({ closed: true })
    const settler = createDeliverySettler(channel)
    const [a, b] = deliveries(2) as [ConsumeMessage, ConsumeMessage]
    settler.received(a)
    settler.received(b)
    settler.settle(a, 'ack')
    assert.doesNotThrow(() => settler.settle(b, 'requeue'))
    await nextTurn()
  })
})
