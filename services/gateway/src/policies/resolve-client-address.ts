import { clientAddress } from '../address-list.ts'
import type { Check } from '../gateway-context.ts'

/**
 * The client's address: the TCP peer, unless that peer is a configured trusted proxy (then its
 * `X-Forwarded-For`, walked from the right). With no trusted proxies a client's own
 * `X-Forwarded-For` is ignored, so it cannot talk its way past the IP lists or the feedback loop.
 */
export const resolveClientAddress: Check = (ctx) => {
  const { request, state } = ctx
  ctx.address = clientAddress(
    request.raw.socket.remoteAddress ?? '',
    request.headers['x-forwarded-for'],
    state.trustedProxies,
  )
  return undefined
}
