/**
 * The gateway built for `app.inject()` tests: real policy file (or a variant), the kit's real
 * DPoP verifier, a fake IdP (introspection results and exchanged tokens from a table), a
 * movable clock, audit records captured in memory, and a real mTLS upstream on a free port that
 * echoes what it received.
 */
import { createAuditLogger } from '@mythical/audit'
import { createDpopVerifier, OAuthKitError } from '@mythical/oauth'
import { createService } from '@mythical/service-kit'
import { createTestSecrets, testServiceEnv, type TestSecrets } from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import type { IntrospectedToken, PhantomTokenKit } from '../../src/phantom-token-kit.ts'
import { DEFAULT_POLICY_FILE, loadPolicyFile, type PolicyFile } from '../../src/policy-file.ts'

export const PUBLIC_ORIGIN = 'https://localhost:8443'
export const GATEWAY_RESOURCE = 'https://gateway.retail.mythical.example'

/** What the upstream saw of a forwarded request. */
export interface EchoedRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
  peer: string | undefined
}

interface EchoUpstream {
  url: string
  close(): Promise<void>
}

/** An experience API stand-in with its own workload certificate, echoing what it received. */
async function echoUpstream(name: string, gateway: TestSecrets): Promise<EchoUpstream> {
  const secrets = await createTestSecrets(name, { ca: gateway.ca })
  const upstream = await createService({
    name,
    identity: secrets.identity,
    exposure: 'internal',
    logLevel: 'silent',
  })
  upstream.all('/*', async (request) => ({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body ?? null,
    peer: request.peerId,
  }))
  await upstream.listen({ host: '127.0.0.1', port: 0 })
  const { port } = upstream.server.address() as { port: number }
  return {
    url: `https://127.0.0.1:${port}`,
    async close() {
      await upstream.close()
      secrets.cleanup()
    },
  }
}

/** An active, DPoP-bound gateway token of `client` for `sub`. */
export function activeToken(jkt: string, overrides: Partial<IntrospectedToken> = {}) {
  return {
    active: true,
    aud: GATEWAY_RESOURCE,
    client_id: 'web',
    sub: 'katie',
    scope: 'openid orders:read orders:write',
    exp: Math.floor(Date.now() / 1000) + 600,
    token_type: 'DPoP',
    cnf: { jkt },
    ...overrides,
  } satisfies IntrospectedToken
}

/** The fake IdP's behaviour, changeable per test. */
export interface FakeIdp {
  tokens: Map<string, IntrospectedToken>
  /** When set, every introspection and exchange fails like an unreachable IdP. */
  down: boolean
  /** When set, introspection is refused with this OAuth error. */
  refuseWith?: string
  introspections: number
}

export interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>
  idp: FakeIdp
  records: () => Record<string, unknown>[]
  /** The records of one request, by the trace id of its answer. */
  recordsOf: (res: { headers: Record<string, unknown> }) => Record<string, unknown>[]
  clock: { now: number }
  close(): Promise<void>
}

/**
 * @example
 * ```ts
 * const h = await gatewayHarness()
 * after(() => h.close())
 * ```
 */
export async function gatewayHarness(
  edit: (policies: PolicyFile) => void = () => {},
): Promise<Harness> {
  const gatewaySecrets: TestSecrets = await createTestSecrets('gateway')
  const upstreams = await Promise.all(
    ['my-shopping-api', 'shop-assistant-api'].map((name) => echoUpstream(name, gatewaySecrets)),
  )
  const [shopping, assistant] = upstreams as [EchoUpstream, EchoUpstream]

  const idp: FakeIdp = { tokens: new Map(), down: false, introspections: 0 }
  const unavailable = () =>
    new OAuthKitError('authorization_server.unavailable', 'authorization server unreachable')
  const dpop = createDpopVerifier()
  const tokens: PhantomTokenKit = {
    verifyProof: (request) => dpop.verify(request),
    async introspect(token) {
      if (idp.down) throw unavailable()
      if (idp.refuseWith) {
        throw new OAuthKitError('authorization_server.refused', 'introspection refused', {
          oauthError: idp.refuseWith,
        })
      }
      idp.introspections++
      return idp.tokens.get(token) ?? { active: false }
    },
    async exchange(token, resource) {
      if (idp.down) throw unavailable()
      return `exchanged.${idp.tokens.get(token)?.sub ?? 'nobody'}.${new URL(resource).hostname}`
    },
    async machineToken(resource, scope) {
      if (idp.down) throw unavailable()
      return `machine.${scope}.${new URL(resource).hostname}`
    },
  }
  const lines: Record<string, unknown>[] = []
  const audit = createAuditLogger({
    service: 'gateway',
    level: 'warn',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  const policies = loadPolicyFile(DEFAULT_POLICY_FILE)
  edit(policies)
  const clock = { now: Date.now() }
  const env = testServiceEnv('gateway', gatewaySecrets.dir, {
    IDP_ISSUER: 'https://localhost:4000',
    IDP_URL: 'https://127.0.0.1:1',
    IDP_MTLS_URL: 'https://127.0.0.1:1',
    MY_SHOPPING_API_URL: shopping.url,
    SHOP_ASSISTANT_API_URL: assistant.url,
  })
  const app = await buildApp(loadServiceConfig(env), {
    policies,
    tokens,
    audit,
    now: () => clock.now,
  })
  const records = () => lines.filter((l) => l.audit === true)
  return {
    app,
    idp,
    records,
    recordsOf: (res) => {
      const traceId = String(res.headers.traceparent ?? '').split('-')[1]
      return records().filter((r) => r.traceId === traceId)
    },
    clock,
    async close() {
      await app.close()
      for (const upstream of upstreams) await upstream.close()
      gatewaySecrets.cleanup()
    },
  }
}
