import type { Channel, ConsumeMessage } from 'amqplib'

/** How a delivery ends at the broker. */
export type Settlement = 'ack' | 'reject' | 'requeue'

/**
 * Settles one channel's deliveries. Acks wait for the end of the current turn and then go as few
 * frames as the order allows: the longest run of acked deliveries from the oldest unsettled one on
 * is acknowledged by one `basic.ack` of its last delivery tag with `multiple` set (a batch of
 * deliveries committed together costs one frame, not one each); an ack behind a delivery still in
 * hand goes alone, so a slow neighbour never holds it back. Rejects and requeues go at once.
 */
export interface DeliverySettler {
  /** Every delivery, in the order the channel delivered them, before it is settled. */
  received(msg: ConsumeMessage): void
  settle(msg: ConsumeMessage, outcome: Settlement): void
  /** Sends the acks waiting for the end of the turn now (before the channel is closed). */
  flush(): void
}

/**
 * On a channel that closed meanwhile (connection lost mid-processing) there is nothing to settle:
 * the broker requeues every unacknowledged delivery of a closed channel, and the inbox makes the
 * redelivery harmless.
 */
function send(frame: () => void): void {
  try {
    frame()
  } catch {
    // IllegalOperationError: channel closed; see above.
  }
}

export function createDeliverySettler(channel: Channel): DeliverySettler {
  /** Received and not yet settled with the broker, oldest first. */
  let unsettled: ConsumeMessage[] = []
  const acked = new Set<ConsumeMessage>()
  let scheduled = false

  function flush(): void {
    scheduled = false
    if (acked.size === 0) return
    let run = 0
    while (run < unsettled.length && acked.has(unsettled[run] as ConsumeMessage)) run++
    const last = unsettled[run - 1]
    if (last) send(() => channel.ack(last, true))
    const rest = unsettled.slice(run)
    for (const msg of rest) if (acked.has(msg)) send(() => channel.ack(msg))
    unsettled = rest.filter((msg) => !acked.has(msg))
    acked.clear()
  }

  return {
    received(msg) {
      unsettled.push(msg)
    },
    settle(msg, outcome) {
      if (outcome === 'ack') {
        acked.add(msg)
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
        return
      }
      unsettled = unsettled.filter((m) => m !== msg)
      send(() => channel.nack(msg, false, outcome === 'requeue'))
    },
    flush,
  }
}
