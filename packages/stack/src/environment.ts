/**
 * The environment contract from the runner to every service, computed in one pure function that
 * both the local runner and the compose generator call, so the two ways of running the stack
 * cannot drift. A service's `src/config.ts` validates exactly these variables.
 */
import { exportsSpans, TRACE_STORE } from './call-graph.ts'
import { SERVICES, type ServiceDefinition } from './manifest.ts'
import { stackPaths } from './paths.ts'

export type RunTarget = 'local' | 'compose'

/** The service that receives every retail workload's spans (OTLP/HTTP). */

/** Where the secrets and public PKI folders are mounted inside a compose container. */
export const COMPOSE_MOUNTS = { secrets: '/run/secrets', pki: '/etc/mythical/pki' } as const

/**
 * Public issuer identifiers. They name the IdPs as the browser sees them and are the same for
 * every target; the network location a workload dials is the separate `<NAME>_URL`
 * (docs/decisions/0003-public-and-internal-urls.md).
 */
export const PUBLIC_ISSUERS = {
  IDP_ISSUER: 'https://localhost:4000',
  PARTNER_IDP_ISSUER: 'https://localhost:5000',
} as const

export interface EnvironmentOptions {
  readonly target: RunTarget
  /** Repository root for local paths; defaults to this checkout. Ignored for compose. */
  readonly root?: string
  /** Defaults to `info`. */
  readonly logLevel?: string
  /** The manifest that resolves `dependsOn`; defaults to `SERVICES`. */
  readonly services?: readonly ServiceDefinition[]
}

/** `order-fulfillment-api` → `ORDER_FULFILLMENT_API`, the prefix of its `_URL` variables. */
export const envPrefix = (name: string): string => name.replaceAll('-', '_').toUpperCase()

/**
 * Address another workload dials to reach `service`: loopback locally, the compose service name
 * (Docker's internal DNS) in compose. Never the public `localhost` URL.
 *
 * @example internalUrl(serviceByName('idp'), 'compose') // 'https://idp:4000'
 */
export function internalUrl(service: ServiceDefinition, target: RunTarget, port = service.port) {
  return target === 'local' ? `https://127.0.0.1:${port}` : `https://${service.name}:${port}`
}

/**
 * Every variable a service is started with.
 *
 * @example
 * serviceEnvironment(serviceByName('orders-api'), { target: 'local' }).IDP_URL
 * // 'https://127.0.0.1:4000'
 */
export function serviceEnvironment(
  service: ServiceDefinition,
  options: EnvironmentOptions,
): Record<string, string> {
  const { target } = options
  const paths = stackPaths(options.root)
  const env: Record<string, string> = {
    SERVICE_NAME: service.name,
    HOST: target === 'local' ? '127.0.0.1' : '0.0.0.0',
    PORT: String(service.port),
    SECRETS_DIR: target === 'local' ? paths.secrets(service.name) : COMPOSE_MOUNTS.secrets,
    PKI_DIR: target === 'local' ? paths.pki : COMPOSE_MOUNTS.pki,
    LOG_LEVEL: options.logLevel ?? 'info',
    // Demo stack on workshop laptops either way; `production` would imply real secrets management.
    NODE_ENV: 'development',
    ...PUBLIC_ISSUERS,
    ...service.settings,
  }
  if (service.mtlsPort !== undefined) {
    env.MTLS_PORT = String(service.mtlsPort)
    // The service advertises its own alias (RFC 8705 `mtls_endpoint_aliases`).
    env[`${envPrefix(service.name)}_MTLS_URL`] = internalUrl(service, target, service.mtlsPort)
  }
  const manifest = options.services ?? SERVICES
  // Workloads that export spans send them to the stack's trace store unless an operator points
  // the standard OpenTelemetry variable at Jaeger or Tempo instead.
  const traceStore = manifest.find((s) => s.name === TRACE_STORE)
  if (traceStore && exportsSpans(service.name)) {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = internalUrl(traceStore, target)
  }
  for (const name of service.dependsOn) {
    // postgres/rabbitmq are not dialled by URL: their coordinates are in the credentials files.
    const dependency = manifest.find((s) => s.name === name)
    if (!dependency) continue
    env[`${envPrefix(name)}_URL`] = internalUrl(dependency, target)
    if (dependency.mtlsPort !== undefined) {
      env[`${envPrefix(name)}_MTLS_URL`] = internalUrl(dependency, target, dependency.mtlsPort)
    }
  }
  return env
}
