/**
 * The specs' fixtures: `edge`, a gateway client calling from its own loopback address, and
 * `katie`, a fresh real sign-in (her own DPoP key, so an attack a test makes with it never
 * counts against another test's key in the gateway's feedback loop).
 */
import { test as base } from '@playwright/test'
import { EdgeClient, freshSourceAddress } from './edge-client.ts'
import { signInShopper } from './shopper.ts'
import type { ShopperSession } from './shopper.ts'

export const test = base.extend<{ edge: EdgeClient; katie: ShopperSession }>({
  // Playwright reads a fixture's dependencies from the destructuring pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  edge: async ({}, use) => use(new EdgeClient(freshSourceAddress())),
  // eslint-disable-next-line no-empty-pattern
  katie: async ({}, use) => use(await signInShopper('katie')),
})

export { expect } from '@playwright/test'
