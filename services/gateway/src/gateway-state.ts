/**
 * Builds the gateway's long-lived state from the validated policy file: address lists, the spike
 * counter of each API, the rate counter of each SLA tier and the feedback loop.
 */
import type { AuditLogger } from '@mythical/audit'
import { resourceUri, serviceByName } from '@mythical/stack'
import { addressList } from './address-list.ts'
import { FeedbackLoop } from './feedback-loop.ts'
import type { GatewayState } from './gateway-context.ts'
import type { PhantomTokenKit } from './phantom-token-kit.ts'
import { effectiveApis, type PolicyFile } from './policy-file.ts'
import { WindowCounter, type Clock } from './window-counter.ts'

/** What {@link gatewayState} is built from. */
export interface GatewayStateOptions {
  readonly policies: PolicyFile
  readonly tokens: PhantomTokenKit
  readonly publicOrigin: string
  readonly audit: AuditLogger
  readonly now?: Clock
}

/**
 * @example
 * ```ts
 * const state = gatewayState({ policies, tokens, publicOrigin: 'https://localhost:8443', audit })
 * ```
 */
export function gatewayState(opts: GatewayStateOptions): GatewayState {
  const { policies } = opts
  const now = opts.now ?? Date.now
  const apis = effectiveApis(policies)
  return {
    policies,
    apis,
    trustedProxies: addressList(policies.trustedProxies),
    addressLists: new Map(
      apis.map((api) => [
        api.name,
        { allow: addressList(api.ipFilter.allow), deny: addressList(api.ipFilter.deny) },
      ]),
    ),
    spikeCounters: new Map(
      apis.map((api) => [api.name, new WindowCounter(api.spike.perSeconds * 1000, now)]),
    ),
    rateCounters: new Map(
      Object.entries(policies.slaTiers).map(([name, tier]) => [
        name,
        new WindowCounter(tier.windowSeconds * 1000, now),
      ]),
    ),
    feedback: new FeedbackLoop(policies.feedbackLoop, now),
    tokens: opts.tokens,
    publicOrigin: new URL(opts.publicOrigin).origin,
    resource: resourceUri(serviceByName('gateway')),
    upstreamResources: new Map(
      apis.map((api) => [api.upstream, resourceUri(serviceByName(api.upstream))]),
    ),
    audit: opts.audit,
    now,
  }
}
