/**
 * The stack's image builds with both builders (classic and BuildKit) and never carries the build
 * machine's CA certificates into the runtime image; the project's engine keeps to its own folder.
 */
import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { stackPaths } from '@mythical/stack'
import { NODE_SERVICE_BUILD } from '../../../src/compose/images.ts'
import { nodeServiceBuildArguments } from '../../../src/docker/build-images.ts'
import { dockerdArguments, engineLayout } from '../../../src/docker/engine.ts'

const paths = stackPaths()
const dockerfile = readFileSync(join(paths.root, NODE_SERVICE_BUILD.dockerfile), 'utf8')
const stages = dockerfile.split(/^FROM /m).slice(1)
const runtime = stages.find((s) => / AS runtime$/m.test(s.split('\n')[0] ?? '')) ?? ''

describe('node-service.Dockerfile', () => {
  test('fetches no BuildKit frontend (the classic builder cannot, nor can a registry-less one)', () => {
    assert.doesNotMatch(dockerfile, /^#\s*syntax=/m)
  })

  test('the root .dockerignore, which both builders read, keeps host installs and state out', () => {
    const ignored = readFileSync(join(paths.root, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['**/node_modules', '.stack', '.git', '**/.next']) {
      assert.ok(ignored.includes(entry), `${entry} not in .dockerignore`)
    }
  })

  test('the runtime stage never sees the build CA certificates', () => {
    assert.ok(runtime.length > 0, 'no runtime stage')
    assert.doesNotMatch(runtime, /BUILD_CA_CERTS|NODE_EXTRA_CA_CERTS/)
    assert.match(dockerfile, /ARG BUILD_CA_CERTS=""/)
  })

  test('the web is built in the image (next build) and only its output reaches the runtime', () => {
    assert.match(dockerfile, /--filter @mythical\/web run build/)
    assert.match(runtime, /COPY --from=web \/app\/web\/\.next \/app\/web\/\.next/)
  })

  test('the runtime runs as the unprivileged node user', () => {
    assert.match(runtime, /^USER node$/m)
  })
})

describe('local image build', () => {
  test('builds on the host network and passes CA certificates as a build argument only', () => {
    const args = nodeServiceBuildArguments(paths, 'PEM')
    assert.deepEqual(args.slice(0, 5), [
      'build',
      '--network',
      'host',
      '--build-arg',
      'BUILD_CA_CERTS=PEM',
    ])
  })
})

describe('project engine', () => {
  test('keeps data, exec root, pid file and socket under .stack/docker and changes no host networking', () => {
    const layout = engineLayout(paths)
    const args = dockerdArguments(layout)
    for (const flag of ['--data-root', '--exec-root', '--pidfile']) {
      const value = args.find((a) => a.startsWith(`${flag}=`))?.split('=')[1] ?? ''
      assert.ok(value.startsWith(join(paths.stack, 'docker')), `${flag}=${value}`)
    }
    assert.ok(args.includes(`--host=unix://${join(paths.stack, 'docker', 'docker.sock')}`))
    for (const flag of ['--iptables=false', '--ip-forward=false', '--bridge=none']) {
      assert.ok(args.includes(flag), flag)
    }
  })
})
