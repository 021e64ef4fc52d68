/**
 * What the compose `pki-init` job does after `ensurePki` (see init-job.ts):
 * - exports the public part (CA certificates, a bundle of all of them for PostgreSQL and
 *   RabbitMQ, public JWKS) to the public `pki` volume; CA keys never leave the state volume
 * - exports each identity's secrets folder to that identity's own volume, file modes preserved
 * - creates a random admin password once for PostgreSQL, in its secrets only (RabbitMQ needs
 *   none: it boots from definitions, see export-broker.ts)
 */
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { type StackPaths, TRUST_DOMAINS } from '@mythical/stack'
import { pkiIdentities } from '../pki/identities.ts'

/** Name of the admin password file in `secrets/postgres/`. */
export const ADMIN_PASSWORD_FILE = 'admin-password'

/** Copies the files of `from` (not sub-folders, so never `private/`) into `to`, keeping modes. */
function copyFiles(from: string, to: string): void {
  mkdirSync(to, { recursive: true })
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (!entry.isFile()) continue
    const source = join(from, entry.name)
    copyFileSync(source, join(to, entry.name))
    chmodSync(join(to, entry.name), statSync(source).mode & 0o777)
  }
}

/**
 * @param paths the PKI's own state (`ensurePki` has run on it)
 * @param exportDir holds `pki/` and `secrets/<identity>/`, each a volume in compose
 * @example exportPki(stackPaths(), '/export')
 */
export function exportPki(paths: StackPaths, exportDir: string): void {
  const adminPassword = join(paths.secrets('postgres'), ADMIN_PASSWORD_FILE)
  if (!existsSync(adminPassword))
    writeFileSync(adminPassword, randomBytes(32).toString('base64url'), { mode: 0o600 })

  const publicPki = join(exportDir, 'pki')
  for (const domain of TRUST_DOMAINS) {
    copyFiles(join(paths.pki, domain), join(publicPki, domain))
    copyFiles(join(paths.pki, domain, 'jwks'), join(publicPki, domain, 'jwks'))
  }
  // One PEM after the other, each ending in a newline: "…-----END CERTIFICATE----------BEGIN…" is
  // a broken bundle (PostgreSQL refused to start on it: "bad end line", seen in compose).
  const bundle = TRUST_DOMAINS.map((domain) => readFileSync(paths.caCert(domain), 'utf8'))
    .map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`))
    .join('')
  writeFileSync(join(publicPki, 'ca-bundle.pem'), bundle, { mode: 0o644 })

  for (const { name } of pkiIdentities()) {
    copyFiles(paths.secrets(name), join(exportDir, 'secrets', name))
  }
}
