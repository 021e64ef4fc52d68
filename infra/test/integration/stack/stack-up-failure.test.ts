/**
 * `stack:up` when a service does not come up: it fails with a non-zero exit code, names the
 * service, prints its log tail, and stops what it started — no process, pid file or stack.json
 * is left behind, and a stack.json of a stack that was already running is left as it was. Runs
 * the real runner (PKI, the global set-up's PostgreSQL and RabbitMQ, real
 * child processes) on a manifest of fixture services.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { REPO_ROOT, stackPaths, type ServiceDefinition } from '@mythical/stack'
import { readPid } from '../../../src/runner/pid-files.ts'
import { logFile } from '../../../src/runner/log-tail.ts'
import { readStackManifest } from '../../../src/runner/manifest-file.ts'
import { commandLine, listProcesses } from '../../../src/runner/proc.ts'
import { stackUp } from '../../../src/runner/stack-up.ts'

const paths = stackPaths()
const FIXTURES = 'infra/test/integration/stack/fixtures'

const fixture = (name: string, port: number): ServiceDefinition => ({
  name,
  domain: 'retail',
  exposure: 'internal',
  port,
  role: 'test fixture',
  entry: `${FIXTURES}/${name}.ts`,
  dependsOn: [],
})

const fixtureProcesses = () =>
  listProcesses().filter((p) =>
    commandLine(p.pid).some((arg) => arg.startsWith(`${REPO_ROOT}${FIXTURES}/`)),
  )

after(() => {
  for (const name of ['crashing-service', 'silent-service'])
    rmSync(logFile(paths, name), { force: true })
})

describe('stack:up with a service that does not come up', { timeout: 120_000 }, () => {
  it('names a service that exited, prints its log tail and exits non-zero', async () => {
    const lines: string[] = []
    const before = readStackManifest(paths)
    const code = await stackUp(paths, {
      log: (line) => lines.push(line),
      services: [fixture('crashing-service', 17981)],
    })
    const output = lines.join('\n')
    assert.equal(code, 1)
    assert.match(output, /^stack:up failed: crashing-service exited before it was ready$/m)
    assert.match(output, /^crashing-service: missing configuration, exiting \(pid \d+\)$/m)
    assert.equal(readPid(paths, 'crashing-service'), undefined, 'pid file removed')
    // No stack.json for a failed start; a running stack's record is not touched.
    assert.deepEqual(readStackManifest(paths), before, 'stack.json as it was before')
  })

  it('stops a service that never became ready, after the timeout, and what started before it', async () => {
    const lines: string[] = []
    const code = await stackUp(paths, {
      log: (line) => lines.push(line),
      services: [
        fixture('silent-service', 17982),
        { ...fixture('crashing-service', 17983), dependsOn: ['silent-service'] },
      ],
      readyTimeoutMs: 1_500,
    })
    const output = lines.join('\n')
    assert.equal(code, 1)
    assert.match(
      output,
      /^stack:up failed: silent-service not ready after 1500 ms \(.*ECONNREFUSED.*\)$/m,
    )
    assert.match(output, /^silent-service: started, never ready$/m)
    assert.doesNotMatch(output, /crashing-service: started/, 'nothing starts after a failure')
    assert.match(output, /^silent-service: stopped$/m)
    assert.deepEqual(fixtureProcesses(), [], 'no fixture process left running')
    assert.equal(readPid(paths, 'silent-service'), undefined)
  })
})
