/**
 * The e2e suites: one spec per trust boundary (`specs/tbNN-*.spec.ts`), run one at a time
 * against the stack on its fixed ports (a stack that is up is reused; see
 * `support/global-setup.ts`). Chromium is Debian's where installed, Playwright's own elsewhere.
 */
import { existsSync } from 'node:fs'
import { defineConfig } from '@playwright/test'

const DEBIAN_CHROMIUM = '/usr/bin/chromium'

export default defineConfig({
  testDir: './specs',
  globalSetup: './support/global-setup.ts',
  // The specs share one stack, its rate limits and its feedback loop: one worker, in file order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  outputDir: '../.stack/e2e/test-results',
  use: {
    baseURL: 'https://localhost:8443',
    browserName: 'chromium',
    launchOptions: existsSync(DEBIAN_CHROMIUM)
      ? {
          executablePath: DEBIAN_CHROMIUM,
          args: ['--disable-background-networking', '--no-first-run'],
        }
      : {},
  },
})
