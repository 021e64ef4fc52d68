/**
 * The gateway: the only internet-facing API edge. TLS without a client certificate (edge
 * listener) with HTTP limits from the policy file, the probes, and the policy pipeline in front
 * of every published API (see pipeline.ts); allowed requests go on over mTLS with an exchanged,
 * audience-restricted JWT.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { createMtlsAgent, loadWorkloadIdentity } from '@mythical/mtls'
import { createService } from '@mythical/service-kit'
import { exportsSpans, serviceByName, workloadId } from '@mythical/stack'
import type { Config } from './config.ts'
import type { Upstream } from './forward.ts'
import { gatewayRoutes } from './gateway-routes.ts'
import { gatewayState } from './gateway-state.ts'
import { createKitTokens } from './kit-tokens.ts'
import type { PhantomTokenKit } from './phantom-token-kit.ts'
import { DEFAULT_POLICY_FILE, loadPolicyFile, type PolicyFile } from './policy-file.ts'
import type { Clock } from './window-counter.ts'

/** What tests may replace; the running gateway builds each from its configuration. */
export interface GatewayDependencies {
  /** Default: the policy file named by `GATEWAY_POLICY_FILE`, or services/gateway/policies.json. */
  policies?: PolicyFile
  /** Default: the OAuth kit against the IdP's mTLS alias. */
  tokens?: PhantomTokenKit
  audit?: AuditLogger
  now?: Clock
}

/** Upstream base URL of each experience API the gateway publishes. */
function upstreamUrls(config: Config): Record<string, string> {
  return {
    'my-shopping-api': config.MY_SHOPPING_API_URL,
    'shop-assistant-api': config.SHOP_ASSISTANT_API_URL,
  }
}

/**
 * Builds the gateway app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: GatewayDependencies = {}) {
  const policies =
    deps.policies ?? loadPolicyFile(config.GATEWAY_POLICY_FILE ?? DEFAULT_POLICY_FILE)
  const identity = loadWorkloadIdentity(config.SECRETS_DIR)
  const audit = deps.audit ?? createAuditLogger({ service: 'gateway', level: config.LOG_LEVEL })
  const app = await createService({
    name: 'gateway',
    identity,
    exposure: 'edge',
    audit,
    httpLimits: policies.http,
  })
  let tokens = deps.tokens
  if (!tokens) {
    const kit = createKitTokens(config, identity, {
      cacheMaxSeconds: policies.tokenCache.maxSeconds,
    })
    app.addHook('onClose', () => kit.close())
    tokens = kit
  }
  const state = gatewayState({
    policies,
    tokens,
    publicOrigin: config.GATEWAY_PUBLIC_URL,
    audit,
    ...(deps.now ? { now: deps.now } : {}),
  })
  const urls = upstreamUrls(config)
  const upstreams = new Map<string, Upstream>()
  for (const api of state.apis) {
    const url = urls[api.upstream]
    if (url === undefined)
      throw new TypeError(`API "${api.name}": unknown upstream "${api.upstream}"`)
    const service = serviceByName(api.upstream)
    upstreams.set(api.upstream, {
      url,
      dispatcher: createMtlsAgent(identity, {
        allowedServerIds: [workloadId(service.domain, service.name)],
        serverTraced: exportsSpans(service.name),
      }),
    })
  }
  app.addHook('onClose', async () => {
    await Promise.all([...upstreams.values()].map((u) => u.dispatcher.close()))
  })
  await app.register(gatewayRoutes, { state, upstreams })
  return app
}
