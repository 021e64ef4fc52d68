/**
 * A long-lived connection (e.g. the AMQP connection) opened on first use rather than at boot:
 * - a service starts, and answers `/healthz`, while its broker is still coming up; `/readyz`
 *   reports the dependency until it is reachable
 * - a failed attempt is forgotten, so the next use tries again
 * - a connection the peer closed is forgotten too; its `error` events are logged, never thrown
 */

/** What {@link lazyConnection} needs from a connection (amqplib's `ChannelModel` fits). */
export interface Connection {
  close(): Promise<void>
  on(event: 'error', listener: (err: unknown) => void): unknown
  once(event: 'close', listener: () => void): unknown
}

/** A connection opened on demand; see {@link lazyConnection}. */
export interface LazyConnection<C extends Connection> {
  /** The open connection, connecting first if there is none. */
  get(): Promise<C>
  /** Closes the connection if one is open (for an `onClose` hook). */
  close(): Promise<void>
}

/**
 * Wraps `connect` so that it runs on first use and again after a failure or a close.
 *
 * @example
 * ```ts
 * const broker = lazyConnection(
 *   () => connectBroker(config.SECRETS_DIR),
 *   (err) => app.log.warn({ err }, 'broker connection error'),
 * )
 * const readiness = { broker: async () => checkBroker(await broker.get()) }
 * app.addHook('onClose', () => broker.close())
 * ```
 */
export function lazyConnection<C extends Connection>(
  connect: () => Promise<C>,
  onError: (err: unknown) => void,
): LazyConnection<C> {
  let current: Promise<C> | undefined
  let closed = false
  return {
    get() {
      if (closed) return Promise.reject(new Error('connection is shut down'))
      if (current) return current
      const attempt = connect().then(
        (conn) => {
          conn.on('error', onError)
          conn.once('close', () => {
            if (current === attempt) current = undefined
          })
          return conn
        },
        (err: unknown) => {
          if (current === attempt) current = undefined
          throw err
        },
      )
      current = attempt
      return attempt
    },
    async close() {
      closed = true
      const pending = current
      current = undefined
      if (!pending) return
      const conn = await pending.catch(() => undefined)
      await conn?.close().catch(onError)
    },
  }
}
