/**
 * `pnpm bench hop`: one internal hop with mTLS + JWT verification + cached token exchange against
 * the same handler over plain HTTP, back to back in one run (packages/service-kit/test/bench/
 * hop-bench.ts): p50/p90/p99 and what the security adds. Then where the secured hop's time goes:
 * the secured calls alone under `--cpu-prof`, summarised by bench/cpu-profile-summary.ts. No
 * running stack needed (a test CA and issuer). Figures go to docs/performance.md.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchHop, runSecuredOnly } from '../packages/service-kit/test/bench/hop-bench.ts'

const PROFILED_CALLS = 10_000

if (process.argv[2] === '--secured-only') {
  await runSecuredOnly(PROFILED_CALLS)
} else {
  const load = loadavg().map((l) => Math.round(l * 100) / 100)
  const result = await benchHop()
  process.stdout.write(
    `${JSON.stringify({ loadAverageAtStart: load, ...result, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) }, null, 2)}\n`,
  )

  const profiles = mkdtempSync(join(tmpdir(), 'hop-prof-'))
  try {
    const self = fileURLToPath(import.meta.url)
    const profiled = spawnSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${profiles}`, self, '--secured-only'],
      { stdio: 'inherit' },
    )
    if (profiled.status !== 0) throw new Error('the profiled run failed')
    console.log(
      `\nCPU profile of ${PROFILED_CALLS} secured calls (client and server, one process):`,
    )
    const summary = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('cpu-profile-summary.ts', import.meta.url)), profiles],
      { stdio: 'inherit' },
    )
    if (summary.status !== 0) throw new Error('the profile summary failed')
  } finally {
    rmSync(profiles, { recursive: true, force: true })
  }
}
