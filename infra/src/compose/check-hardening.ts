/**
 * The container hardening rules the compose file must keep, checked on the document itself:
 * - every container: non-root `user`, `read_only` root filesystem, `cap_drop: [ALL]`,
 *   `no-new-privileges`, a private `/tmp` tmpfs
 * - every long-running container (all but the one-shot jobs): a healthcheck; every workload: a
 *   memory limit
 * - secrets: a workload mounts exactly one secrets volume, its own, read-only. The two jobs that
 *   write credentials are the documented exceptions: `pki-init` (the only one to mount the PKI
 *   state with the CA keys) and `db-provision`, which may read `secrets-postgres` and write the
 *   secrets of services that own a database, nothing else
 * - ports: edge services publish only their own port, only on the host's 127.0.0.1; nothing else
 *   publishes anything
 */
import { SERVICES } from '@mythical/stack'
import { databaseServices } from './db-provision-service.ts'
import { DB_PROVISION, PKI_INIT } from './node-service.ts'
import type { ComposeDocument, VolumeMount } from './types.ts'
import { secretsVolume } from './volumes.ts'

const ROOT_USERS = new Set(['', '0', 'root', '0:0'])
const SECRET_LIKE = /^(secrets-.+|pki-state)$/
const JOBS = new Set([PKI_INIT, DB_PROVISION])

/** Why `db-provision` may not mount `mount`, or `undefined` when it may. */
function dbProvisionMountViolation(mount: VolumeMount): string | undefined {
  if (mount.source === secretsVolume('postgres')) {
    return mount.read_only ? undefined : 'mounts secrets-postgres writable'
  }
  if (databaseServices().some((name) => secretsVolume(name) === mount.source)) return undefined
  return `mounts foreign secrets volume ${mount.source}`
}

/**
 * Every broken rule as `<service>: <rule>`; empty when the document is hardened.
 *
 * @example hardeningViolations(composeDocument()) // []
 */
export function hardeningViolations(document: ComposeDocument): string[] {
  const violations: string[] = []
  for (const [name, service] of Object.entries(document.services)) {
    const fail = (rule: string) => violations.push(`${name}: ${rule}`)
    if (ROOT_USERS.has(String(service.user ?? '')) || String(service.user).startsWith('0:')) {
      fail('runs as root')
    }
    if (service.read_only !== true) fail('root filesystem is writable')
    if (!(service.cap_drop ?? []).includes('ALL')) fail('does not drop all capabilities')
    if (!(service.security_opt ?? []).includes('no-new-privileges:true')) {
      fail('may gain privileges (no-new-privileges missing)')
    }
    if (!(service.tmpfs ?? []).some((mount) => mount.split(':')[0] === '/tmp'))
      fail('no /tmp tmpfs')
    if (!JOBS.has(name) && service.healthcheck === undefined) fail('has no healthcheck')

    const manifest = SERVICES.find((s) => s.name === name)
    const secretMounts = (service.volumes ?? []).filter((v) => SECRET_LIKE.test(v.source))
    if (name === DB_PROVISION) {
      for (const mount of secretMounts) {
        const violation = dbProvisionMountViolation(mount)
        if (violation) fail(violation)
      }
    } else if (name !== PKI_INIT) {
      const own = secretsVolume(name)
      for (const mount of secretMounts) {
        if (mount.source !== own) fail(`mounts foreign secrets volume ${mount.source}`)
        else if (!mount.read_only) fail('mounts its secrets writable')
      }
      if (!secretMounts.some((mount) => mount.source === own))
        fail('does not mount its own secrets')
    }
    if (manifest && service.mem_limit === undefined) fail('has no memory limit')

    const allowed =
      manifest?.exposure === 'edge' ? [`127.0.0.1:${manifest.port}:${manifest.port}`] : []
    for (const port of service.ports ?? []) {
      if (!allowed.includes(port)) fail(`publishes ${port}`)
    }
  }
  return violations
}
