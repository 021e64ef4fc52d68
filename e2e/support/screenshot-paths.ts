/**
 * Where screenshots live. The suite writes every run's under `.stack/e2e/screenshots/` (outside
 * the repository, like Playwright's own output), so running it leaves the tree clean; the README
 * shows the committed copies in `docs/screenshots/`, refreshed only on request with
 * `pnpm docs:screenshots`.
 */
import { join } from 'node:path'
import { REPO_ROOT, stackPaths } from '@mythical/stack'

/** The latest run's screenshots (next to the suite's sign-in state and Playwright's output). */
export const RUN_SCREENSHOTS_DIR = join(stackPaths().stack, 'e2e', 'screenshots')

/** The committed screenshots the README and docs embed. */
export const DOCS_SCREENSHOTS_DIR = join(REPO_ROOT, 'docs', 'screenshots')

/** Where the suite writes screenshot `name` (e.g. `shop`). */
export const screenshotPath = (name: string) => join(RUN_SCREENSHOTS_DIR, `${name}.png`)
