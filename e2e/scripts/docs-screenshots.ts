/**
 * `pnpm docs:screenshots`: copies the screenshots of the latest e2e run into `docs/screenshots/`,
 * the committed copies the README shows. Run it after the journeys and trust-trace specs when the
 * pages changed; the e2e suite alone never touches the tree.
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DOCS_SCREENSHOTS_DIR, RUN_SCREENSHOTS_DIR } from '../support/screenshot-paths.ts'

const taken = existsSync(RUN_SCREENSHOTS_DIR)
  ? readdirSync(RUN_SCREENSHOTS_DIR).filter((file) => file.endsWith('.png'))
  : []
if (taken.length === 0) {
  console.error(
    `no screenshots in ${RUN_SCREENSHOTS_DIR}: run ` +
      '`pnpm test:e2e -- specs/journeys.spec.ts specs/trust-trace.spec.ts` first',
  )
  process.exit(1)
}
for (const file of taken.sort()) {
  copyFileSync(join(RUN_SCREENSHOTS_DIR, file), join(DOCS_SCREENSHOTS_DIR, file))
  console.log(`docs/screenshots/${file}`)
}
