/**
 * Memory budget per service. The whole stack must idle under 2 GiB resident on a workshop laptop
 * (docs/performance.md has the measurements). The same numbers cap V8's heap locally and become
 * the container's `mem_limit` in compose, so a leak shows up the same way in both.
 */
import type { ServiceDefinition } from '@mythical/stack'

/** Default container memory limit of a Node service, MiB. */
export const DEFAULT_MEMORY_LIMIT_MIB = 192

/** Services that need more than the default (OIDC providers keep more state; web renders pages). */
const MEMORY_LIMIT_MIB: Readonly<Record<string, number>> = {
  // Seeding the demo accounts runs scrypt off the V8 heap: 256 MiB was OOM-killed at start in
  // compose (measured: 66 MiB once up, healthy with 512).
  idp: 512,
  'partner-idp': 256,
  web: 256,
}

/** Container limit for a service, MiB. */
export const memoryLimitMib = (service: ServiceDefinition): number =>
  MEMORY_LIMIT_MIB[service.name] ?? DEFAULT_MEMORY_LIMIT_MIB

/**
 * V8 flags for a service, chosen by measuring an idle service (docs/performance.md):
 * - the old-space cap sits well under the container limit, so V8 collects before the kernel's
 *   OOM killer steps in (code, stacks and buffers live outside the heap)
 * - a 1 MiB semi-space keeps the idle young generation small
 * - one V8 worker thread instead of one per core: sixteen processes share a laptop's cores
 *   anyway, and every idle worker costs its own stack and malloc arena (~7 MiB per service)
 *
 * @example nodeArguments(serviceByName('orders-api')) // ['--max-old-space-size=96', '--max-semi-space-size=1', '--v8-pool-size=1']
 */
export const nodeArguments = (service: ServiceDefinition): string[] => [
  `--max-old-space-size=${Math.floor(memoryLimitMib(service) / 2)}`,
  '--max-semi-space-size=1',
  '--v8-pool-size=1',
]
