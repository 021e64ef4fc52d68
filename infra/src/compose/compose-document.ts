/**
 * docker-compose.yml, generated from the stack manifest: one service per manifest entry, plus
 * the `pki-init` and `db-provision` jobs, `postgres` and `rabbitmq`, and one named volume per
 * secrets folder. A unit test
 * regenerates it in memory and fails when the checked-in file has drifted.
 */
import { stringify } from 'yaml'
import { hasOwnSecretsFolder, pkiIdentities } from '../pki/identities.ts'
import { SERVICES } from '@mythical/stack'
import { pkiInitService, postgresService, rabbitmqService } from './infrastructure-services.ts'
import { dbProvisionService } from './db-provision-service.ts'
import { DB_PROVISION, nodeService, PKI_INIT } from './node-service.ts'
import type { ComposeDocument, ComposeService } from './types.ts'
import { DATA_VOLUMES, PKI_STATE_VOLUME, PKI_VOLUME, secretsVolume } from './volumes.ts'

/** The command that regenerates the file, quoted by its header and by the drift test. */
export const REGENERATE_COMMAND = 'pnpm exec node infra/src/cli/compose.ts'

export function composeDocument(): ComposeDocument {
  const services: Record<string, ComposeService> = {
    [PKI_INIT]: pkiInitService(),
    postgres: postgresService(),
    rabbitmq: rabbitmqService(),
    [DB_PROVISION]: dbProvisionService(),
  }
  for (const service of SERVICES) services[service.name] = nodeService(service)

  const volumes: Record<string, Record<string, never>> = {
    [PKI_STATE_VOLUME]: {},
    [PKI_VOLUME]: {},
  }
  for (const { name } of pkiIdentities().filter(hasOwnSecretsFolder)) {
    volumes[secretsVolume(name)] = {}
  }
  for (const volume of Object.values(DATA_VOLUMES)) volumes[volume] = {}

  // No top-level `name:`: the Compose Specification schema we validate against predates it; the
  // project is named after the checkout folder or COMPOSE_PROJECT_NAME.
  return { services, volumes }
}

/** The file's text, header included. */
export function renderCompose(document: ComposeDocument = composeDocument()): string {
  const header = [
    `# Generated from infra/src/stack.ts by \`${REGENERATE_COMMAND}\` — do not edit by hand.`,
    '# Same manifest and same service environment as the local runner (`pnpm start`).',
    '',
  ].join('\n')
  // YAML 1.1 rules when quoting, so values such as `1000:1000` (sexagesimal) or `no` (boolean)
  // stay strings for every YAML parser; no anchors, so each service reads on its own.
  return (
    header + stringify(document, { lineWidth: 0, version: '1.1', aliasDuplicateObjects: false })
  )
}
