/**
 * A user's token carried down a real chain of hops, for integration tests against a real retail
 * IdP: each hop's workload exchanges the token it holds for the next audience with its own
 * client (`tls_client_auth`, its stack certificate), exactly as the hop kit does in production.
 */
import { resourceUri, serviceByName } from '@mythical/stack'
import { stackWorkload } from './mtls-test-caller.ts'
import { workloadTokenClient } from './workload-token-client.ts'

/** One exchange: `by` holds the current token and asks for `audience` with `scope`. */
export interface ChainHop {
  readonly by: string
  readonly audience: string
  readonly scope?: string
}

/**
 * @returns the token after each hop, in order (the last one is what the final callee receives)
 *
 * @example
 * ```ts
 * const [phantom, forOrders] = await exchangeChain(idp.issuer, opaque, [
 *   { by: 'gateway', audience: 'my-shopping-api' },
 *   { by: 'my-shopping-api', audience: 'customers-api', scope: 'customers:read' },
 * ])
 * ```
 */
export async function exchangeChain(
  issuer: string,
  subjectToken: string,
  hops: readonly ChainHop[],
): Promise<string[]> {
  const tokens: string[] = []
  let current = subjectToken
  for (const hop of hops) {
    const client = workloadTokenClient(issuer, hop.by, stackWorkload(hop.by))
    try {
      const issued = await client.exchangeTokenFor(
        current,
        resourceUri(serviceByName(hop.audience)),
        hop.scope ? { scope: hop.scope } : undefined,
      )
      current = issued.accessToken
      tokens.push(current)
    } finally {
      await client.close()
    }
  }
  return tokens
}
