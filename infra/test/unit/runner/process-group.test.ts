import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import { stackPaths } from '@mythical/stack'
import { readPid, runningPid, writePid } from '../../../src/runner/pid-files.ts'
import { groupMembers, stopProcessGroup } from '../../../src/runner/process-group.ts'
import {
  isAlive,
  processTree,
  proportionalKib,
  residentKib,
  treeProportionalKib,
  treeResidentKib,
} from '../../../src/runner/proc.ts'

const root = mkdtempSync(join(tmpdir(), 'runner-pg-'))
const started: number[] = []
after(() => {
  // A failed assertion must not leave a test process behind.
  for (const pid of started) if (groupMembers(pid).length > 0) process.kill(-pid, 'SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

/** A detached group leader running `script`, which forks one child that does the same. */
async function startGroup(script: string, name = 'svc'): Promise<{ pid: number; entry: string }> {
  const entry = join('services', name, 'src', 'main.ts')
  mkdirSync(join(root, 'services', name, 'src'), { recursive: true })
  writeFileSync(join(root, entry), script)
  const child = spawn(process.execPath, [join(root, entry)], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.unref()
  if (child.pid) started.push(child.pid)
  // The script prints once both processes run (and have installed their signal handlers).
  await once(child.stdout, 'data')
  child.stdout.destroy()
  assert.ok(child.pid)
  return { pid: child.pid, entry }
}

const forking = (body: string) => `
import { spawn } from 'node:child_process'
${body}
const child = spawn(process.execPath, ['-e', ${JSON.stringify(body + "; setInterval(() => {}, 1000); console.log('x')")}], { stdio: ['ignore', 'pipe', 'inherit'] })
child.stdout.once('data', () => console.log('ready'))
setInterval(() => {}, 1000)
`

describe('stopProcessGroup', () => {
  it('terminates a cooperative service and the process it forked', async () => {
    const { pid } = await startGroup(forking("process.on('SIGTERM', () => process.exit(0))"))
    const members = groupMembers(pid)
    assert.equal(members.length, 2, 'leader and child share the group')
    assert.equal(await stopProcessGroup(pid), 'terminated')
    assert.deepEqual(groupMembers(pid), [])
    for (const member of members) assert.equal(isAlive(member), false)
  })

  it('kills a service that ignores SIGTERM once the timeout is over', async () => {
    const { pid } = await startGroup(forking("process.on('SIGTERM', () => {})"))
    const started = Date.now()
    assert.equal(await stopProcessGroup(pid, { timeoutMs: 300 }), 'killed')
    assert.ok(Date.now() - started >= 300)
    assert.deepEqual(groupMembers(pid), [])
  })

  it('reports a group that is already gone', async () => {
    const { pid } = await startGroup(forking("process.on('SIGTERM', () => process.exit(0))"))
    process.kill(-pid, 'SIGKILL')
    while (groupMembers(pid).length > 0) await sleep(20)
    assert.equal(await stopProcessGroup(pid), 'gone')
  })
})

describe('proc', () => {
  it('sums resident memory over the process tree', async () => {
    const { pid } = await startGroup(forking(''))
    try {
      const tree = processTree(pid)
      assert.equal(tree.length, 2)
      assert.ok(residentKib(pid) > 10_000, 'a Node process is more than 10 MiB resident')
      assert.ok(treeResidentKib(pid) > residentKib(pid))
      // Shared pages (the Node binary) are split between the two: PSS is below RSS.
      assert.ok(proportionalKib(pid) > 0 && proportionalKib(pid) < residentKib(pid))
      assert.ok(treeProportionalKib(pid) > proportionalKib(pid))
    } finally {
      await stopProcessGroup(pid, { timeoutMs: 1000 })
    }
  })
})

describe('pid files', () => {
  const paths = stackPaths(root)

  it('finds a live service by its pid file', async () => {
    const { pid, entry } = await startGroup(forking(''), 'live')
    try {
      writePid(paths, 'live', pid)
      assert.equal(readPid(paths, 'live'), pid)
      assert.equal(runningPid(paths, { name: 'live', entry }), pid)
    } finally {
      await stopProcessGroup(pid, { timeoutMs: 1000 })
    }
    assert.equal(runningPid(paths, { name: 'live', entry }), undefined, 'not once it exited')
  })

  it('ignores a recycled pid that runs something else', () => {
    // This test process is alive but is not `services/other/src/main.ts`.
    writePid(paths, 'other', process.pid)
    assert.equal(
      runningPid(paths, { name: 'other', entry: 'services/other/src/main.ts' }),
      undefined,
    )
  })

  it('ignores a missing or garbled pid file', () => {
    assert.equal(readPid(paths, 'never-started'), undefined)
    mkdirSync(paths.run, { recursive: true })
    writeFileSync(join(paths.run, 'garbled.pid'), 'not a pid\n')
    assert.equal(readPid(paths, 'garbled'), undefined)
  })
})
