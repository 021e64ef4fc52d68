/**
 * Compose entry of the `db-provision` job (db-provision-job.ts). Like `pki-init` it is a
 * documented exception to "one secrets volume per container": it reads the PostgreSQL admin
 * password and client certificate from `secrets-postgres` (read-only) and writes `database.json`
 * into the secrets volume of each service that owns a database — and of no other.
 */
import { SERVICES } from '@mythical/stack'
import { HARDENING, tmpfsMounts } from './hardening.ts'
import { NODE_SERVICE_BUILD, NODE_SERVICE_IMAGE } from './images.ts'
import { PKI_INIT } from './node-service.ts'
import type { ComposeService } from './types.ts'
import { EXPORT_DIR, PKI_VOLUME, secretsVolume, volumeMount } from './volumes.ts'

/** The services whose `database.json` the job writes: every manifest entry with a `database`. */
export const databaseServices = (): string[] =>
  SERVICES.filter((s) => s.database !== undefined).map((s) => s.name)

export function dbProvisionService(): ComposeService {
  return {
    image: NODE_SERVICE_IMAGE,
    build: NODE_SERVICE_BUILD,
    command: ['node', 'infra/src/compose/db-provision-job.ts'],
    ...HARDENING,
    tmpfs: tmpfsMounts(),
    mem_limit: '192m',
    volumes: [
      volumeMount(PKI_VOLUME, `${EXPORT_DIR}/pki`, true),
      volumeMount(secretsVolume('postgres'), `${EXPORT_DIR}/secrets/postgres`, true),
      ...databaseServices().map((name) =>
        volumeMount(secretsVolume(name), `${EXPORT_DIR}/secrets/${name}`, false),
      ),
    ],
    depends_on: {
      [PKI_INIT]: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
    },
  }
}
