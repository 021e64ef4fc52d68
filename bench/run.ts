/**
 * `pnpm bench`: runs every `bench/*.bench.ts` in its own Node process, one after another, so
 * one benchmark's warm caches or open sockets never flatter the next. Each benchmark prints its
 * own figures (ratios measured within one run, never wall-clock assertions).
 */
import { readdirSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv[2]
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.includes(only))
  .sort()

if (files.length === 0) {
  console.error(only ? `no benchmark matches "${only}"` : 'no benchmarks in bench/')
  process.exit(1)
}
let failed = 0
for (const file of files) {
  console.log(`\n=== ${file}`)
  const result = spawnSync(process.execPath, [`${dir}${file}`], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
