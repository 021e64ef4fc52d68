/**
 * `.stack/stack.json`, the running stack as the public contract describes it: every service's
 * name, URL, trust domain, exposure, workload id and pid, plus which infrastructure the runner
 * started itself (only that is stopped again by `stack:down`). Tests, e2e and tools read it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import {
  type StackPaths,
  INFRASTRUCTURE,
  serviceSecrets,
  workloadId,
  type Exposure,
  type Infrastructure,
  type ServiceDefinition,
  type TrustDomain,
} from '@mythical/stack'

export interface ServiceRecord {
  readonly name: string
  /** `https://localhost:<port>` for edge services (what a browser opens), loopback IP otherwise. */
  readonly url: string
  readonly domain: TrustDomain
  readonly exposure: Exposure
  readonly workloadId: string
  /** File names in the service's own secrets folder (`serviceSecrets`). */
  readonly secrets: readonly string[]
  readonly pid: number
}

export interface InfrastructureRecord {
  readonly name: Infrastructure
  readonly port: number
  /** True when this run started it, so `stack:down` stops it; false when it was already running. */
  readonly startedByStack: boolean
}

export interface StackManifest {
  readonly startedAt: string
  readonly mode: 'foreground' | 'detached'
  readonly services: readonly ServiceRecord[]
  readonly infrastructure: readonly InfrastructureRecord[]
}

/**
 * URL to reach a service from the host: edge services by the public `localhost` name their
 * certificates and issuer identifiers use, internal ones by loopback address.
 *
 * @example hostUrl(serviceByName('gateway')) // 'https://localhost:8443'
 */
export const hostUrl = (service: ServiceDefinition): string =>
  service.exposure === 'edge'
    ? `https://localhost:${service.port}`
    : `https://127.0.0.1:${service.port}`

export const serviceRecord = (service: ServiceDefinition, pid: number): ServiceRecord => ({
  name: service.name,
  url: hostUrl(service),
  domain: service.domain,
  exposure: service.exposure,
  workloadId: workloadId(service.domain, service.name),
  secrets: serviceSecrets(service),
  pid,
})

export const infrastructureRecord = (
  name: Infrastructure,
  startedByStack: boolean,
): InfrastructureRecord => ({ name, port: INFRASTRUCTURE[name].port, startedByStack })

export function writeStackManifest(paths: StackPaths, manifest: StackManifest): void {
  mkdirSync(paths.stack, { recursive: true })
  writeFileSync(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`)
}

/** The manifest of the running stack, or undefined when none is recorded. */
export function readStackManifest(paths: StackPaths): StackManifest | undefined {
  try {
    return JSON.parse(readFileSync(paths.manifest, 'utf8')) as StackManifest
  } catch {
    return undefined
  }
}

export const removeStackManifest = (paths: StackPaths): void =>
  rmSync(paths.manifest, { force: true })
