import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ServiceDefinition, StackPaths } from '@mythical/stack'
import { serviceByName } from '@mythical/stack'
import { ensureServiceBuilds, isBuildStale } from '../../../src/runner/service-builds.ts'

const web = serviceByName('web')
const withBuild = (script: string): ServiceDefinition => ({
  ...web,
  build: { folder: 'app', script, output: 'app/out/BUILD_ID' },
})
const at = (seconds: number) => new Date(seconds * 1000)

describe('service builds', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'service-builds-'))
    await mkdir(join(root, 'app/src'), { recursive: true })
    await writeFile(join(root, 'app/src/page.ts'), 'export {}\n')
    await writeFile(
      join(root, 'app/package.json'),
      JSON.stringify({
        name: 'fixture',
        private: true,
        scripts: {
          build: 'mkdir -p out && echo 1 > out/BUILD_ID',
          broken: 'echo compile error >&2 && exit 3',
        },
      }),
    )
  })
  after(() => rm(root, { recursive: true, force: true }))

  it('the manifest asks for the web pages to be built before the web starts', () => {
    assert.deepEqual(web.build, { folder: 'web', script: 'build', output: 'web/.next/BUILD_ID' })
  })

  it('is stale without output, fresh after building, stale again once a source changes', async () => {
    const service = withBuild('build')
    assert.equal(await isBuildStale(root, service), true)
    const lines: string[] = []
    await ensureServiceBuilds({ root } as StackPaths, [service], (line) => lines.push(line))
    assert.deepEqual(lines, ['web: building (build)', 'web: built'])
    await utimes(join(root, 'app/src/page.ts'), at(1_000), at(1_000))
    await utimes(join(root, 'app/package.json'), at(1_000), at(1_000))
    await utimes(join(root, 'app/out/BUILD_ID'), at(2_000), at(2_000))
    assert.equal(await isBuildStale(root, service), false)
    await utimes(join(root, 'app/src/page.ts'), at(3_000), at(3_000))
    assert.equal(await isBuildStale(root, service), true)
  })

  it('skips a fresh build', async () => {
    await utimes(join(root, 'app/out/BUILD_ID'), at(4_000), at(4_000))
    const lines: string[] = []
    await ensureServiceBuilds({ root } as StackPaths, [withBuild('broken')], (l) => lines.push(l))
    assert.deepEqual(lines, [])
  })

  it('names the service and keeps the build output when a build fails', async () => {
    await rm(join(root, 'app/out'), { recursive: true })
    await assert.rejects(
      ensureServiceBuilds({ root } as StackPaths, [withBuild('broken')], () => {}),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_RUNNER_BUILD_FAILED' &&
        /web build failed/.test(err.message) &&
        /compile error/.test(err.message),
    )
  })
})
