/**
 * Compose entry of one manifest service, from the same `serviceEnvironment` the local runner uses
 * (target `compose`), so both ways of running the stack hand a service the same contract.
 * - runs the service's TypeScript entry on the image's Node with its memory budget
 * - mounts its own secrets volume (only its own) and the public PKI, both read-only
 * - publishes edge ports on the host's loopback only; internal ports are not published at all
 * - healthy once `/readyz` answers over mTLS (infra/docker/healthcheck.ts, its own certificate)
 */
import {
  COMPOSE_MOUNTS,
  internalUrl,
  serviceEnvironment,
  type ServiceDefinition,
} from '@mythical/stack'
import { memoryLimitMib, nodeArguments } from '../runner/resources.ts'
import { HARDENING, tmpfsMounts } from './hardening.ts'
import { NODE_SERVICE_BUILD, NODE_SERVICE_IMAGE } from './images.ts'
import type { ComposeService } from './types.ts'
import { PKI_VOLUME, secretsVolume } from './volumes.ts'

/** Name of the job that mints the PKI into the volumes before anything else starts. */
export const PKI_INIT = 'pki-init'
/** Name of the job that creates database roles and writes each service's `database.json`. */
export const DB_PROVISION = 'db-provision'

/**
 * The variable a service reads for the base URL of the RFC 8705 aliases it announces, where it has
 * one. The IdP defaults it to its issuer's host on the alias port (`https://localhost:4001`),
 * which inside a container is the container itself: the gateway's introspection went there and
 * every token was refused `introspection.unavailable` (first e2e run against compose). The alias
 * port is not published, so in compose its only location is the service's name on the network.
 * The partner IdP derives its alias from its issuer and has no such variable.
 */
const MTLS_ALIAS_VARIABLE: Readonly<Record<string, string>> = { idp: 'IDP_MTLS_PUBLIC_URL' }

/** The service environment for compose, with the announced mTLS alias at its compose location. */
function composeEnvironment(service: ServiceDefinition): Record<string, string> {
  const env = serviceEnvironment(service, { target: 'compose' })
  const aliasVariable = MTLS_ALIAS_VARIABLE[service.name]
  if (aliasVariable && service.mtlsPort !== undefined) {
    env[aliasVariable] = internalUrl(service, 'compose', service.mtlsPort)
  }
  return env
}

export const HEALTHCHECK = {
  test: ['CMD', 'node', 'infra/docker/healthcheck.ts'],
  interval: '10s',
  // The probe is a fresh Node process (TypeScript entry, mTLS agent): on a loaded 2-core machine
  // it took over 5 s while the service itself answered /readyz in 0.5 s (first compose up).
  timeout: '30s',
  retries: 5,
  start_period: '60s',
} as const

/**
 * Everything a service depends on must be healthy first; the PKI job (which also writes broker
 * credentials) must have completed, and so must `db-provision` for a service with a database.
 */
function dependsOn(service: ServiceDefinition): ComposeService['depends_on'] {
  const conditions: Record<
    string,
    { condition: 'service_healthy' | 'service_completed_successfully' }
  > = {
    [PKI_INIT]: { condition: 'service_completed_successfully' },
  }
  if (service.database !== undefined) {
    conditions[DB_PROVISION] = { condition: 'service_completed_successfully' }
  }
  for (const name of service.dependsOn) conditions[name] = { condition: 'service_healthy' }
  return conditions
}

/**
 * @example nodeService(serviceByName('gateway')).ports // ['127.0.0.1:8443:8443']
 */
export function nodeService(service: ServiceDefinition): ComposeService {
  const ports =
    service.exposure === 'edge' ? [`127.0.0.1:${service.port}:${service.port}`] : undefined
  return {
    image: NODE_SERVICE_IMAGE,
    build: NODE_SERVICE_BUILD,
    command: ['node', ...nodeArguments(service), service.entry],
    ...HARDENING,
    tmpfs: tmpfsMounts(),
    mem_limit: `${memoryLimitMib(service)}m`,
    environment: composeEnvironment(service),
    volumes: [
      {
        type: 'volume',
        source: secretsVolume(service.name),
        target: COMPOSE_MOUNTS.secrets,
        read_only: true,
      },
      { type: 'volume', source: PKI_VOLUME, target: COMPOSE_MOUNTS.pki, read_only: true },
    ],
    ...(ports ? { ports } : {}),
    healthcheck: HEALTHCHECK,
    depends_on: dependsOn(service),
    restart: 'unless-stopped',
  }
}
