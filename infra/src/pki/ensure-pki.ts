import { join } from 'node:path'
import type { KeyAndCertificate } from '@mythical/pki'
import { SHARED_SECRETS, type StackPaths, TRUST_DOMAINS, type TrustDomain } from '@mythical/stack'
import { ensureCa, type Outcome } from './ensure-ca.ts'
import { ensureDataKey, ensureSharedKey } from './ensure-data-key.ts'
import { ensureJwks } from './ensure-jwks.ts'
import {
  ensureWorkloadCertificate,
  WORKLOAD_VALIDITY_HOURS,
} from './ensure-workload-certificate.ts'
import { ensureDir, PRIVATE_DIR_MODE, PUBLIC_DIR_MODE } from './files.ts'
import { pkiIdentities } from './identities.ts'
import { withPkiLock } from './pki-lock.ts'

/** Options of {@link ensurePki}. */
export interface EnsurePkiOptions {
  /** The time renewal decisions and new certificates are based on. Default is the current time. */
  now?: Date
  /** Lifetime of newly issued workload certificates in hours. Default is 24. */
  validityHours?: number
}

/**
 * What {@link ensurePki} did. Entries name the material: `ca/<domain>` for a trust-domain CA,
 * `tls/<identity>` for a workload certificate, `jwks/<service>` for a service's JWK pair,
 * `data-key/<service>` for a service's data key, `shared/<file>` for a shared secret.
 */
export interface EnsurePkiResult {
  issued: string[]
  renewed: string[]
  kept: string[]
}

/**
 * Lays out the dev PKI under `paths.stack`, idempotently:
 *
 * - `pki/<domain>/ca.pem` + `pki/<domain>/private/ca-key.pem`: one CA per trust domain (30 days).
 * - `secrets/<identity>/tls.crt`, `tls.key`, `ca.pem`: a 24-hour workload certificate for every
 *   service of the manifest, `postgres`, `rabbitmq` and `stack-probe-<domain>`, carrying
 *   `spiffe://<domain>.mythical.example/<name>`, DNS `localhost` + its name, IP loopback.
 * - `secrets/<service>/signing-key.jwk.json`, `encryption-key.jwk.json` and the public
 *   `pki/<domain>/jwks/<service>.json`: generated once per service, then kept.
 * - `secrets/<service>/data-key.jwk.json`: a 256-bit `oct` root secret for data-protection keys,
 *   generated once per service, then kept; never published.
 * - `SHARED_SECRETS`: one 256-bit `oct` key per entry, the same file in each holder's folder
 *   (the shipping partner's pairwise-subject key), generated once, then kept.
 *
 * Re-running renews what is due: a CA or certificate with less than a third of its lifetime left,
 * and every certificate of a renewed CA. Secrets folders are 0700 with 0600 files; public files
 * are 0644.
 *
 * @example
 * ```ts
 * const { issued, renewed } = await ensurePki(stackPaths())
 * ```
 */
export async function ensurePki(
  paths: StackPaths,
  opts: EnsurePkiOptions = {},
): Promise<EnsurePkiResult> {
  const { now = new Date(), validityHours = WORKLOAD_VALIDITY_HOURS } = opts
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TypeError('"now" option must be a valid Date')
  }
  if (!Number.isFinite(validityHours) || validityHours <= 0) {
    throw new TypeError('"validityHours" option must be a positive number')
  }
  await ensureDir(paths.stack, PUBLIC_DIR_MODE)
  await ensureDir(paths.pki, PUBLIC_DIR_MODE)
  await ensureDir(join(paths.stack, 'secrets'), PRIVATE_DIR_MODE)
  return withPkiLock(join(paths.pki, '.lock'), () => layOut(paths, now, validityHours))
}

async function layOut(
  paths: StackPaths,
  now: Date,
  validityHours: number,
): Promise<EnsurePkiResult> {
  const result: EnsurePkiResult = { issued: [], renewed: [], kept: [] }
  const record = (outcome: Outcome, label: string) => result[outcome].push(label)

  const cas = new Map<TrustDomain, KeyAndCertificate>()
  for (const domain of TRUST_DOMAINS) {
    const { ca, outcome } = await ensureCa(paths, domain, now)
    cas.set(domain, ca)
    record(outcome, `ca/${domain}`)
  }

  for (const identity of pkiIdentities()) {
    const ca = cas.get(identity.domain)
    if (!ca) throw new TypeError(`no CA for trust domain "${identity.domain}"`)
    await ensureDir(paths.secrets(identity.name), PRIVATE_DIR_MODE)
    record(
      await ensureWorkloadCertificate(paths, identity, ca, { now, validityHours }),
      `tls/${identity.name}`,
    )
    if (identity.hasJwks) {
      await ensureDir(join(paths.pki, identity.domain, 'jwks'), PUBLIC_DIR_MODE)
      record(await ensureJwks(paths, identity), `jwks/${identity.name}`)
      record(await ensureDataKey(paths, identity), `data-key/${identity.name}`)
    }
  }
  for (const { file, holders } of SHARED_SECRETS) {
    record(await ensureSharedKey(paths, file, holders), `shared/${file}`)
  }
  return result
}
