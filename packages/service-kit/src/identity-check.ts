import { parseSpiffeId, type WorkloadIdentity } from '@mythical/mtls'

/**
 * Refuses to start a service with another workload's certificate: the SPIFFE id path must be
 * `/<name>`. A mounted-the-wrong-secret mistake would otherwise let one service act as another.
 *
 * @example
 * ```ts
 * assertOwnIdentity(identity, 'tokenization-api')
 * ```
 */
export function assertOwnIdentity(identity: WorkloadIdentity, name: string): void {
  if (parseSpiffeId(identity.spiffeId).path !== `/${name}`) {
    throw new TypeError(
      `"identity" is ${identity.spiffeId}, not a workload certificate of service "${name}"`,
    )
  }
}
