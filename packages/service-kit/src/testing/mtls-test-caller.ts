/**
 * Calling a fastify workload under test the way its callers do: over mutual TLS with a chosen
 * workload's certificate, a bearer token and a JSON body, and returning the audit records that
 * one request wrote (integration tests assert status, problem code and audit reason together).
 * {@link startStackServiceForTest} runs a hop service with its real stack identity and database
 * login (`.stack/secrets/<service>`) and a test issuer in place of the IdP.
 */
import type { AddressInfo } from 'node:net'
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { createMtlsAgent, loadWorkloadIdentity, type WorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet, TokenClient } from '@mythical/oauth'
import { stackPaths } from '@mythical/stack'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { testServiceEnv } from './test-env.ts'
import { createTestIssuer, TEST_ISSUER } from './test-issuer.ts'

/** One call's outcome and the audit records it wrote. */
export interface MtlsCallResult {
  status: number
  headers: Record<string, unknown>
  body: Record<string, unknown>
  records: Record<string, unknown>[]
}

/** An audit logger keeping its lines in memory. */
export function captureAuditLines(service: string): {
  audit: AuditLogger
  lines: Record<string, unknown>[]
} {
  const lines: Record<string, unknown>[] = []
  const audit = createAuditLogger({
    service,
    level: 'warn',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  return { audit, lines }
}

/**
 * Listens with `app` on a free loopback port and returns a caller for it.
 *
 * @example
 * ```ts
 * const { audit, lines } = captureAuditLines('orders-api')
 * const api = await serveForMtlsCalls(await buildApp(config, { audit }), lines)
 * const res = await api.call(fulfillmentIdentity, 'GET', '/orders', token)
 * ```
 */
export async function serveForMtlsCalls(app: FastifyInstance, lines: Record<string, unknown>[]) {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `https://localhost:${(app.server.address() as AddressInfo).port}`
  const agents = new Map<WorkloadIdentity, ReturnType<typeof createMtlsAgent>>()

  /** Calls the app as workload `as` (its certificate) with `token` and a JSON `body`. */
  async function call(
    as: WorkloadIdentity,
    method: 'GET' | 'POST',
    path: string,
    token?: string,
    body?: unknown,
    /** `body`'s media type: JSON (serialized here) by default; any other sends `body`'s bytes. */
    contentType = 'application/json',
  ): Promise<MtlsCallResult> {
    const agent = agents.get(as) ?? createMtlsAgent(as)
    agents.set(as, agent)
    const before = lines.length
    const res = await request(`${base}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      ...(body === undefined
        ? {}
        : {
            body: contentType === 'application/json' ? JSON.stringify(body) : (body as Uint8Array),
          }),
    })
    const text = await res.body.text()
    return {
      status: res.statusCode,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      records: lines.slice(before).filter((l) => l.audit === true),
    }
  }

  return {
    /** The app's base URL (`https://localhost:<port>`), for clients other than `call`. */
    url: base,
    call,
    async close() {
      await Promise.all([...agents.values()].map((a) => a.close()))
      await app.close()
    },
  }
}

/** A workload of the running stack (its `.stack/secrets/<service>` certificate), by name. */
export const stackWorkload = (service: string): WorkloadIdentity =>
  loadWorkloadIdentity(stackPaths().secrets(service))

/**
 * Builds and serves hop service `service` with its stack secrets (certificate, database login),
 * the hop kit verifying tokens of a test issuer, audit lines captured.
 *
 * @example
 * ```ts
 * const api = await startStackServiceForTest('orders-api', loadServiceConfig, buildApp)
 * const token = await api.idp.mint({ audience: 'orders-api', boundTo: caller, scope: 'orders:read' })
 * ```
 */
export async function startStackServiceForTest<Config>(
  service: string,
  loadConfig: (env: Record<string, string>) => Config,
  build: (
    config: Config,
    deps: { audit: AuditLogger; keys: IssuerKeySet; tokens?: TokenClient },
  ) => Promise<FastifyInstance>,
  /** Extra environment (e.g. a real IdP's URLs) and a real token client for outbound calls. */
  options: { env?: Record<string, string>; tokens?: TokenClient } = {},
) {
  const paths = stackPaths()
  const idp = await createTestIssuer()
  const { audit, lines } = captureAuditLines(service)
  const config = loadConfig(
    testServiceEnv(service, paths.secrets(service), {
      PKI_DIR: paths.pki,
      IDP_ISSUER: TEST_ISSUER,
      // Never dialled: the test issuer's keys are passed in.
      IDP_URL: 'https://127.0.0.1:1',
      IDP_MTLS_URL: 'https://127.0.0.1:1',
      ...options.env,
    }),
  )
  return {
    idp,
    ...(await serveForMtlsCalls(
      await build(config, {
        audit,
        keys: idp.keys,
        ...(options.tokens ? { tokens: options.tokens } : {}),
      }),
      lines,
    )),
  }
}
