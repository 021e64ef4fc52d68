/**
 * Regenerates docker-compose.yml from the stack manifest:
 * `pnpm exec node infra/src/cli/compose.ts` (add `--check` to only report drift, exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { renderCompose } from '../compose/compose-document.ts'
import { REPO_ROOT } from '@mythical/stack'

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } })
const file = join(REPO_ROOT, 'docker-compose.yml')
const text = renderCompose()

if (values.check) {
  let current = ''
  try {
    current = readFileSync(file, 'utf8')
  } catch {
    // missing counts as drift
  }
  const upToDate = current === text
  console.log(upToDate ? 'docker-compose.yml is up to date' : 'docker-compose.yml has drifted')
  process.exitCode = upToDate ? 0 : 1
} else {
  writeFileSync(file, text)
  console.log(`wrote ${file}`)
}
