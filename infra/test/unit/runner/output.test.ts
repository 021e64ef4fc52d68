import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { setImmediate as tick } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import { stackPaths } from '@mythical/stack'
import { listeningPid } from '../../../src/runner/listening-pid.ts'
import { pipeWithPrefix, prefixer } from '../../../src/runner/log-prefix.ts'
import { logTail } from '../../../src/runner/log-tail.ts'
import { formatStatus } from '../../../src/runner/stack-status.ts'

const root = mkdtempSync(join(tmpdir(), 'runner-output-'))
after(() => rmSync(root, { recursive: true, force: true }))

class Collect extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString()
    done()
  }
}

describe('log prefix', () => {
  it('prefixes every line with the padded service name, without colour off a terminal', async () => {
    const out = new Collect()
    const prefix = prefixer(['idp', 'order-tracking-api'], out)
    const input = new PassThrough()
    pipeWithPrefix(input, prefix('idp'), out)
    input.end('listening\r\nready\n')
    await once(input, 'end')
    await tick()
    // '[order-tracking-api]' is 20 characters: every label is padded to that width.
    const label = '[idp]'.padEnd(20)
    assert.equal(out.text, `${label} listening\n${label} ready\n`)
  })
})

describe('logTail', () => {
  it('returns the last lines of a service log', () => {
    const paths = stackPaths(root)
    mkdirSync(paths.logs, { recursive: true })
    writeFileSync(join(paths.logs, 'idp.log'), 'a\nb\nc\nd\n')
    assert.equal(logTail(paths, 'idp', 2), 'c\nd')
    assert.equal(logTail(paths, 'never-ran'), '')
    writeFileSync(join(paths.logs, 'web.log'), `${'x'.repeat(1000)}\n`)
    assert.equal(logTail(paths, 'web'), `${'x'.repeat(400)} …`)
  })
})

describe('listeningPid', () => {
  it('finds the process listening on a port, and nothing on a closed one', async () => {
    const server = createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    try {
      assert.equal(listeningPid(port), process.pid)
    } finally {
      server.close()
      await once(server, 'close')
    }
    assert.equal(listeningPid(port), undefined)
  })
})

describe('formatStatus', () => {
  it('aligns one row per process, says why one is down and totals memory', () => {
    const table = formatStatus([
      {
        name: 'postgres',
        kind: 'infrastructure',
        healthy: true,
        reason: '',
        pid: 10,
        rssKib: 2048,
        pssKib: 1536,
      },
      {
        name: 'orders-api',
        kind: 'service',
        healthy: false,
        reason: 'ECONNREFUSED',
        pid: undefined,
        rssKib: 0,
        pssKib: 0,
      },
    ])
    assert.equal(
      table,
      [
        'NAME        KIND            HEALTH               PID  RSS      PSS',
        'postgres    infrastructure  up                   10   2.0 MiB  1.5 MiB',
        'orders-api  service         DOWN (ECONNREFUSED)  -    0.0 MiB  0.0 MiB',
        'TOTAL                       1/2 up                    2.0 MiB  1.5 MiB',
      ].join('\n'),
    )
  })
})
