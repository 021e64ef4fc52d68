/**
 * Builds the stack's own image (infra/docker/node-service.Dockerfile) for a local compose run,
 * with the classic builder — the only one Debian 12's docker.io has, and what the Dockerfile must
 * keep working with — on the host network so `npm`/`pnpm` reach the registry.
 *
 * A registry reached through a TLS-inspecting proxy needs that proxy's CA: the certificates the
 * machine's administrator added to its trust store (`/usr/local/share/ca-certificates/*.crt`,
 * Debian's place for them) go in as the `BUILD_CA_CERTS` build argument, which only the build
 * stages read; the runtime image neither contains them nor lists them in its history.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StackPaths } from '@mythical/stack'
import { NODE_SERVICE_BUILD, NODE_SERVICE_IMAGE } from '../compose/images.ts'
import { run } from './run.ts'

/** Where Debian keeps the CA certificates an administrator added to the system trust store. */
export const LOCAL_CA_FOLDER = '/usr/local/share/ca-certificates'

/** The PEM text of every locally added CA certificate, one after the other ('' when none). */
export async function localCaCertificates(folder: string = LOCAL_CA_FOLDER): Promise<string> {
  const names = await readdir(folder, { recursive: true }).catch(() => [] as string[])
  const pems = []
  for (const name of names.filter((n) => n.endsWith('.crt')).sort()) {
    const pem = await readFile(join(folder, name), 'utf8')
    pems.push(pem.endsWith('\n') ? pem : `${pem}\n`)
  }
  return pems.join('')
}

/** `docker build` arguments of the node-service image. */
export function nodeServiceBuildArguments(paths: StackPaths, caCertificates: string): string[] {
  return [
    'build',
    '--network',
    'host',
    '--build-arg',
    `BUILD_CA_CERTS=${caCertificates}`,
    '--file',
    join(paths.root, NODE_SERVICE_BUILD.dockerfile),
    '--tag',
    NODE_SERVICE_IMAGE,
    join(paths.root, NODE_SERVICE_BUILD.context),
  ]
}

/** Builds the node-service image (layers cached by the engine between runs). */
export async function buildNodeServiceImage(
  paths: StackPaths,
  { env, stream = false }: { env: NodeJS.ProcessEnv; stream?: boolean },
): Promise<void> {
  const args = nodeServiceBuildArguments(paths, await localCaCertificates())
  await run('docker', args, { env: { ...env, DOCKER_BUILDKIT: '0' }, stream })
}
