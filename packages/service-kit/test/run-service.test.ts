import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const fixture = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url))

/** Starts the fixture, waits for its port, sends `signal`, returns exit code and output. */
async function serveThenSignal(kind: 'fastify' | 'express', signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [fixture, kind], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.setEncoding('utf8')
  const portLine = new Promise<number>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk
      const match = /\{"port":(\d+)\}/.exec(output)
      if (match) resolve(Number(match[1]))
    })
  })
  const port = await portLine
  // The port really accepts connections before the signal.
  const probe = connect(port, '127.0.0.1')
  await once(probe, 'connect')
  probe.destroy()
  child.kill(signal)
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output, port }
}

async function refused(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED'
  } finally {
    socket.destroy()
  }
}

describe('graceful shutdown', () => {
  it('runService closes the app, runs onClose hooks and exits 0 on SIGTERM', async () => {
    const { code, output, port } = await serveThenSignal('fastify', 'SIGTERM')
    assert.equal(code, 0)
    assert.match(output, /^closed$/m)
    assert.ok(await refused(port))
  })

  it('runService does the same on SIGINT', async () => {
    const { code, output } = await serveThenSignal('fastify', 'SIGINT')
    assert.equal(code, 0)
    assert.match(output, /^closed$/m)
  })

  it('runExpressService stops listening and exits 0 on SIGTERM', async () => {
    const { code, port } = await serveThenSignal('express', 'SIGTERM')
    assert.equal(code, 0)
    assert.ok(await refused(port))
  })
})
