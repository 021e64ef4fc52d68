import { loadWorkloadIdentity, type WorkloadIdentity } from '@mythical/mtls'
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  type KeyAndCertificate,
} from '@mythical/pki'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A test CA for one trust domain (`retail`, `cardvault`, `shipping`). */
export const createTestCa = (domain: string): Promise<KeyAndCertificate> =>
  createCertificateAuthority({ name: `test ${domain} CA` })

/** A temporary secrets folder and the identity loaded from it. */
export interface TestSecrets {
  /** Absolute path of the folder: pass it as `SECRETS_DIR`. */
  dir: string
  ca: KeyAndCertificate
  identity: WorkloadIdentity
  /** Removes the folder. */
  cleanup(): void
}

/**
 * Writes `tls.crt`, `tls.key` and `ca.pem` for `spiffe://<domain>.mythical.example/<service>`,
 * plus any `extraFiles` (e.g. a `database.json` pointing nowhere), to a fresh temporary folder.
 *
 * @example
 * ```ts
 * const secrets = await createTestSecrets('orders-api')
 * after(() => secrets.cleanup())
 * const app = await buildApp(loadServiceConfig(testServiceEnv('orders-api', secrets.dir)))
 * ```
 */
export async function createTestSecrets(
  service: string,
  opts: { domain?: string; ca?: KeyAndCertificate; extraFiles?: Record<string, string> } = {},
): Promise<TestSecrets> {
  const domain = opts.domain ?? 'retail'
  const ca = opts.ca ?? (await createTestCa(domain))
  const leaf = await issueWorkloadCertificate(ca, {
    spiffeId: `spiffe://${domain}.mythical.example/${service}`,
  })
  const dir = mkdtempSync(join(tmpdir(), `${service}-secrets-`))
  writeFileSync(join(dir, 'tls.crt'), leaf.certPem)
  writeFileSync(join(dir, 'tls.key'), leaf.keyPem, { mode: 0o600 })
  writeFileSync(join(dir, 'ca.pem'), ca.certPem)
  for (const [file, content] of Object.entries(opts.extraFiles ?? {})) {
    writeFileSync(join(dir, file), content, { mode: 0o600 })
  }
  return {
    dir,
    ca,
    identity: loadWorkloadIdentity(dir),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
