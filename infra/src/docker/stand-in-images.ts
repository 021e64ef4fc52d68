/**
 * Local stand-ins for the public base images docker-compose.yml names (a test fixture for
 * machines without registry access; see infra/docker/stand-ins/README.md). Each step is cached:
 * the debootstrapped root under `.stack/docker/`, and an image that already exists is kept
 * unless `rebuild` is asked for.
 */
import { access, cp, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { spawn } from 'node:child_process'
import { stackPaths, type StackPaths } from '@mythical/stack'
import { NODE_BASE_IMAGE, POSTGRES_IMAGE, RABBITMQ_IMAGE } from '../compose/images.ts'
import { DockerCommandFailed, DockerToolMissing } from './errors.ts'
import { run } from './run.ts'
import { which } from './which.ts'

/** The debootstrapped Debian 12 root every stand-in starts from. */
export const MINBASE_IMAGE = 'mythical-retail/bookworm-minbase:local'
const DEBIAN_MIRROR = 'http://deb.debian.org/debian'
const STAND_INS_DIR = join(stackPaths().root, 'infra', 'docker', 'stand-ins')

/** One stand-in: the tag compose expects, its Dockerfile, and the files its context needs. */
interface StandIn {
  tag: string
  dockerfile: string
  /** Extra context entries: name in the context → where to copy it from. */
  context: () => Promise<Record<string, string>>
}

const fileSet = (...names: string[]) =>
  Object.fromEntries(names.map((name) => [name, join(STAND_INS_DIR, name)]))

/** The host's npm (Node's own package manager, plain JavaScript): the Node binary has none. */
async function hostNpmFolder(): Promise<string> {
  const npm = await which('npm')
  // `npm` is a link to <prefix>/lib/node_modules/npm/bin/npm-cli.js.
  const folder = npm && dirname(dirname(await realpath(npm)))
  if (!folder || !(await exists(join(folder, 'package.json')))) {
    throw new DockerToolMissing('npm not found: the node stand-in copies the host npm (apt: npm)')
  }
  return folder
}

export const STAND_INS: readonly StandIn[] = [
  {
    tag: NODE_BASE_IMAGE,
    dockerfile: 'node.Dockerfile',
    context: async () => ({ node: process.execPath, npm: await hostNpmFolder() }),
  },
  {
    tag: POSTGRES_IMAGE,
    dockerfile: 'postgres.Dockerfile',
    context: async () => fileSet('postgres-entrypoint.sh'),
  },
  {
    tag: RABBITMQ_IMAGE,
    dockerfile: 'rabbitmq.Dockerfile',
    context: async () => fileSet('rabbitmq-entrypoint.sh', 'rabbitmq-10-defaults.conf'),
  },
]

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

export const imageExists = (tag: string, env: NodeJS.ProcessEnv) =>
  run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { env }).then(
    () => true,
    () => false,
  )

const rootfsFolder = (paths: StackPaths) => join(paths.stack, 'docker', 'rootfs-bookworm')

/** `debootstrap --variant=minbase bookworm` once; a marker file says it completed. */
async function ensureRootfs(paths: StackPaths, log: (line: string) => void): Promise<string> {
  const rootfs = rootfsFolder(paths)
  const marker = `${rootfs}.complete`
  if (await exists(marker)) return rootfs
  const debootstrap = await which('debootstrap')
  if (!debootstrap) throw new DockerToolMissing('debootstrap not found (apt: debootstrap)')
  await rm(rootfs, { recursive: true, force: true })
  await mkdir(rootfs, { recursive: true })
  const started = Date.now()
  await run(debootstrap, ['--variant=minbase', 'bookworm', rootfs, DEBIAN_MIRROR])
  await unmountUnder(rootfs)
  await writeFile(marker, '')
  log(`debootstrap --variant=minbase bookworm: ${Math.round((Date.now() - started) / 1000)} s`)
  return rootfs
}

/**
 * Unmounts what debootstrap left mounted in the root (it mounts the host's `/proc` there and, run
 * in a container, did not unmount it: the first import then tarred the host's processes).
 */
async function unmountUnder(rootfs: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(`${rootfs}/`))
    .sort()
    .reverse()
  for (const target of mounts) await run('umount', ['--lazy', target])
}

/**
 * Pseudo-filesystem contents never go into an image: the folders stay (mount points), what a
 * mount left in them does not.
 */
export const ROOTFS_TAR_EXCLUDES = ['./proc/*', './sys/*', './dev/pts/*', './run/*'] as const

/** `tar` of the root piped into `docker import`. */
async function importRootfs(rootfs: string, env: NodeJS.ProcessEnv): Promise<void> {
  await unmountUnder(rootfs)
  const excludes = ROOTFS_TAR_EXCLUDES.map((pattern) => `--exclude=${pattern}`)
  const tar = spawn('tar', ['--numeric-owner', ...excludes, '-C', rootfs, '-c', '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const tarDone = new Promise<void>((resolve, reject) =>
    tar.once('close', (code) =>
      code === 0 ? resolve() : reject(new DockerCommandFailed(`tar of ${rootfs} exited ${code}`)),
    ),
  )
  await run('docker', ['import', '--change', 'CMD ["bash"]', '-', MINBASE_IMAGE], {
    env,
    input: tar.stdout,
  })
  await tarDone
}

async function buildStandIn(paths: StackPaths, standIn: StandIn, env: NodeJS.ProcessEnv) {
  const context = join(paths.stack, 'docker', 'context', standIn.dockerfile.replace(/\..*$/, ''))
  await rm(context, { recursive: true, force: true })
  await mkdir(context, { recursive: true })
  const entries = {
    Dockerfile: join(STAND_INS_DIR, standIn.dockerfile),
    ...(await standIn.context()),
  }
  for (const [name, source] of Object.entries(entries)) {
    await cp(source, join(context, name), { recursive: true, dereference: true })
  }
  // Host network: apt-get reaches Debian's mirror during the build; no container runs on it.
  await run(
    'docker',
    [
      'build',
      '--network',
      'host',
      '--build-arg',
      `BASE_IMAGE=${MINBASE_IMAGE}`,
      '-t',
      standIn.tag,
      context,
    ],
    { env: { ...env, DOCKER_BUILDKIT: '0' } },
  )
  await rm(context, { recursive: true, force: true })
}

/** Options of {@link ensureStandInImages}. */
export interface StandInOptions {
  /** Environment with `DOCKER_HOST` pointing at the engine. */
  env: NodeJS.ProcessEnv
  /** Only these tags (default: all three). */
  only?: readonly string[]
  rebuild?: boolean
  log?: (line: string) => void
}

/** Builds every missing stand-in (all with `rebuild`), timing each step into `log`. */
export async function ensureStandInImages(paths: StackPaths, options: StandInOptions) {
  const { env, only, rebuild = false, log = () => {} } = options
  const wanted = STAND_INS.filter((s) => !only || only.includes(s.tag))
  const missing = []
  for (const standIn of wanted) {
    if (rebuild || !(await imageExists(standIn.tag, env))) missing.push(standIn)
  }
  if (missing.length === 0) return
  if (rebuild || !(await imageExists(MINBASE_IMAGE, env))) {
    const rootfs = await ensureRootfs(paths, log)
    const started = Date.now()
    await importRootfs(rootfs, env)
    log(`import ${MINBASE_IMAGE}: ${Math.round((Date.now() - started) / 1000)} s`)
  }
  for (const standIn of missing) {
    const started = Date.now()
    await buildStandIn(paths, standIn, env)
    log(`stand-in ${standIn.tag}: ${Math.round((Date.now() - started) / 1000)} s`)
  }
}
