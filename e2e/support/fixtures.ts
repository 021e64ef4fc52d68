/**
 * The specs' fixtures: `edge`, a gateway client calling from its own loopback address (fresh for
 * every test), and `katie`, one real sign-in per worker. A test whose attack would count as an
 * authentication failure against Katie's DPoP key in the gateway's feedback loop (a revoked
 * token, say) signs in on its own instead, so the shared key never gets blocked.
 */
import { test as base } from '@playwright/test'
import { EdgeClient, freshSourceAddress } from './edge-client.ts'
import { signInShopper } from './shopper.ts'
import type { ShopperSession } from './shopper.ts'

export const test = base.extend<{ edge: EdgeClient }, { katie: ShopperSession }>({
  // Playwright reads a fixture's dependencies from the destructuring pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  edge: async ({}, use) => {
    const edge = new EdgeClient(freshSourceAddress())
    await use(edge)
    edge.close()
  },
  katie: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => use(await signInShopper('katie')),
    { scope: 'worker' },
  ],
})

export { expect } from '@playwright/test'
