import { access, chmod, chown, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { SECRET_FILES, type StackPaths, type TrustDomain } from '@mythical/stack'
import { compileVerifyModule, verifyModuleFile } from './anchor-constraints.ts'
import { RabbitmqError, RabbitmqPkiMissing } from './errors.ts'
import { ENABLED_PLUGINS, renderAdvancedConfig, renderRabbitmqConfig } from './render-config.ts'
import type { RabbitmqLayout } from './layout.ts'

/** Trust domains whose workloads may connect: retail services and the shipping partner's consumer. */
export const CLIENT_DOMAINS: readonly TrustDomain[] = ['retail', 'shipping']

/** The secrets folder holding the broker's own certificate and key. */
export const SERVER_SECRETS = 'rabbitmq'

interface OsUser {
  readonly uid: number
  readonly gid: number
}

/** The `rabbitmq` OS user the Debian scripts drop to when run as root. */
async function rabbitmqOsUser(): Promise<OsUser> {
  const passwd = await readFile('/etc/passwd', 'utf8')
  const entry = passwd.split('\n').find((line) => line.startsWith('rabbitmq:'))
  const [, , uid, gid] = entry?.split(':') ?? []
  if (uid === undefined || gid === undefined) {
    throw new RabbitmqError('the rabbitmq OS user does not exist: reinstall rabbitmq-server')
  }
  return { uid: Number(uid), gid: Number(gid) }
}

async function mustExist(file: string): Promise<string> {
  try {
    await access(file)
    return file
  } catch (cause) {
    throw new RabbitmqPkiMissing(`${file} is missing: issue the stack PKI first (pnpm pki)`, {
      cause,
    })
  }
}

/**
 * Lets the `rabbitmq` user walk from `/` down to `.stack/`: inside the repository the traverse bit
 * for others is added where missing (traverse only, nobody gains the right to list or read);
 * above it nothing is changed, and a folder that shuts others out is reported instead of leaving
 * the node to fail at boot with an obscure error.
 */
async function makeTraversable(paths: StackPaths, user: OsUser): Promise<void> {
  const inside = relative(paths.root, paths.stack).split(sep)
  const above = paths.root.split(sep).filter(Boolean)
  const chain = [
    ...above.map((_, i) => ({ dir: sep + above.slice(0, i + 1).join(sep), ours: false })),
    ...inside.map((_, i) => ({ dir: join(paths.root, ...inside.slice(0, i + 1)), ours: true })),
  ]
  for (const { dir, ours } of chain) {
    const info = await stat(dir)
    const traversable =
      (info.mode & 0o001) !== 0 ||
      (info.uid === user.uid && (info.mode & 0o100) !== 0) ||
      (info.gid === user.gid && (info.mode & 0o010) !== 0)
    if (traversable) continue
    if (!ours) {
      throw new RabbitmqError(
        `the rabbitmq OS user cannot enter ${dir}: allow it (chmod o+x) or move the repository`,
      )
    }
    await chmod(dir, (info.mode & 0o7777) | 0o001)
  }
}

/** Writes `content` unless the file already holds exactly that; returns whether it changed. */
async function writeIfChanged(file: string, content: string | Buffer): Promise<boolean> {
  const current = await readFile(file).catch(() => undefined)
  if (current?.equals(Buffer.from(content))) return false
  await writeFile(file, content)
  return true
}

/**
 * Creates `.stack/rabbitmq/`, copies the broker's TLS material where the `rabbitmq` user can read
 * it (the originals stay private to `secrets/rabbitmq/`), writes the client CA bundle and the
 * node's config files, and hands the folder to the `rabbitmq` user. Idempotent.
 *
 * @returns whether `rabbitmq.conf`, `advanced.config`, `enabled_plugins` or the compiled TLS
 *   `verify_fun` changed: a running node reads them only at boot, so it must restart to apply
 *   them (e.g. the switch to certificate-only login).
 */
export async function prepareNodeFiles(
  paths: StackPaths,
  layout: RabbitmqLayout,
): Promise<{ bootConfigChanged: boolean }> {
  const serverSecrets = paths.secrets(SERVER_SECRETS)
  const cert = await mustExist(`${serverSecrets}/${SECRET_FILES.tlsCert}`)
  const key = await mustExist(`${serverSecrets}/${SECRET_FILES.tlsKey}`)
  const cas = await Promise.all(CLIENT_DOMAINS.map((d) => mustExist(paths.caCert(d))))

  for (const dir of [layout.base, layout.mnesiaBase, layout.logBase, layout.tls, layout.ebin]) {
    await mkdir(dir, { recursive: true, mode: 0o750 })
  }

  await copyFile(cert, layout.certFile)
  await copyFile(key, layout.keyFile)
  const bundle = await Promise.all(cas.map((file) => readFile(file, 'utf8')))
  await writeFile(layout.caBundleFile, bundle.map((pem) => pem.trim()).join('\n') + '\n')
  const configChanged = await writeIfChanged(layout.configFile, renderRabbitmqConfig(layout))
  const pluginsChanged = await writeIfChanged(layout.enabledPluginsFile, ENABLED_PLUGINS)
  const advancedChanged = await writeIfChanged(
    layout.advancedConfigFile,
    renderAdvancedConfig(layout),
  )
  const moduleChanged = await writeIfChanged(verifyModuleFile(layout), await compileVerifyModule())
  await writeFile(
    layout.envFile,
    '# Generated: keeps /etc/rabbitmq/rabbitmq-env.conf (the shared node) out of this node.\n',
  )

  const owned = [
    [layout.base, 0o750],
    [layout.mnesiaBase, 0o750],
    [layout.logBase, 0o750],
    [layout.tls, 0o750],
    [layout.ebin, 0o750],
    [verifyModuleFile(layout), 0o640],
    [layout.advancedConfigFile, 0o640],
    [layout.certFile, 0o644],
    [layout.keyFile, 0o600],
    [layout.caBundleFile, 0o644],
    [layout.configFile, 0o640],
    [layout.enabledPluginsFile, 0o640],
    [layout.envFile, 0o640],
  ] as const
  // As root the Debian scripts run the node as `rabbitmq`; otherwise it runs as the caller.
  const user = process.getuid?.() === 0 ? await rabbitmqOsUser() : undefined
  for (const [file, mode] of owned) {
    await chmod(file, mode)
    if (user) await chown(file, user.uid, user.gid)
  }
  if (user) await makeTraversable(paths, user)
  return {
    bootConfigChanged: configChanged || pluginsChanged || advancedChanged || moduleChanged,
  }
}

/** Writes a file only the `rabbitmq` user (and root) can read, e.g. the definitions with hashes. */
export async function writeNodePrivateFile(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 })
  await chmod(file, 0o600)
  if (process.getuid?.() === 0) {
    const user = await rabbitmqOsUser()
    await chown(file, user.uid, user.gid)
  }
}
