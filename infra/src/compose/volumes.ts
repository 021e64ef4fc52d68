/**
 * Named volumes: the `pki-init` job writes into them, workloads mount only what is theirs.
 * One volume per secrets folder (rather than one volume mounted with `volume.subpath`) keeps
 * the file valid for Compose releases and schemas that predate `subpath`, and makes "each
 * container sees only its own secrets" visible in the file itself.
 */
import type { VolumeMount } from './types.ts'

/** Public PKI: CA certificates, the CA bundle, public JWKS. No private key ever. */
export const PKI_VOLUME = 'pki'
/** `secrets-orders-api`: one workload's `tls.key`, JWKs and credentials. */
export const secretsVolume = (identity: string): string => `secrets-${identity}`
/**
 * The PKI tool's own `.stack/` (CA keys included), mounted by `pki-init` alone. Kept across `up`s
 * so CAs are renewed, not re-created, and browsers keep trusting the one imported.
 */
export const PKI_STATE_VOLUME = 'pki-state'

/** Server state that must outlive a container restart (orders, outbox, queued events). */
export const DATA_VOLUMES = { postgres: 'postgres-data', rabbitmq: 'rabbitmq-data' } as const

/** Where the repository lives inside the image (`stackPaths()` resolves `.stack/` under it). */
export const APP_DIR = '/app'
/**
 * Where `pki-init` sees the volumes it exports into (`pki/`, `secrets/<name>/`), and
 * `db-provision` the ones it reads and writes.
 */
export const EXPORT_DIR = '/export'

/** A named volume mounted at `target`. */
export const volumeMount = (source: string, target: string, readOnly: boolean): VolumeMount => ({
  type: 'volume',
  source,
  target,
  read_only: readOnly,
})
