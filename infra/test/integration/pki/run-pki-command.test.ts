import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SECRET_FILES, type StackPaths } from '@mythical/stack'
import { runPkiCommand } from '../../../src/pki/index.ts'
import { tempStack } from './temp-stack.ts'

/** Runs the command, capturing what it prints. */
async function run(paths: StackPaths): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runPkiCommand(paths, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  })
  return { code, stdout, stderr }
}

describe('pnpm pki (runPkiCommand)', () => {
  let paths: StackPaths
  let remove: () => Promise<void>

  before(async () => {
    ;({ paths, remove } = await tempStack())
  })
  after(() => remove())

  it('lists what it issued, then reports everything kept on a re-run', async () => {
    const first = await run(paths)
    assert.equal(first.code, 0)
    assert.equal(first.stderr, '')
    const lines = first.stdout.split('\n')
    assert.equal(lines[0], `PKI in ${paths.pki}, secrets in ${join(paths.stack, 'secrets')}`)
    // The count follows the manifest (every service adds its items); it must match the list.
    const issued =
      /^issued +(\d+) {2}(ca\/retail, ca\/cardvault, ca\/shipping, tls\/idp, .*)$/.exec(
        lines[1] ?? '',
      )
    assert.ok(issued, lines[1])
    const count = Number(issued[1])
    assert.equal(count, issued[2]?.split(', ').length)
    assert.equal(lines[2], 'renewed   0')
    assert.equal(lines[3], 'kept      0  (still valid)')

    const second = await run(paths)
    assert.equal(second.code, 0)
    assert.deepEqual(second.stdout.split('\n').slice(1, 4), [
      'issued    0',
      'renewed   0',
      `kept ${String(count).padStart(6)}  (still valid)`,
    ])
  })

  it('exits 1 with one clear line on stderr when the PKI cannot be set up', async () => {
    const path = join(paths.secrets('gateway'), SECRET_FILES.encryptionKey)
    await writeFile(path, '{}')
    const { code, stdout, stderr } = await run(paths)
    assert.equal(code, 1)
    assert.equal(stdout, '')
    assert.match(
      stderr,
      new RegExp(
        `^pki: failed to set up ${paths.pki}: ${path} is not a valid JWK; .*\\(ERR_STACK_PKI_INVALID_JWK\\)\\n$`,
      ),
    )
  })
})
