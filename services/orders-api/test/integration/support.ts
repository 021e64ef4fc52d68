/**
 * orders-api as it runs in the stack, for integration tests: its own workload certificate and
 * database login (the stack's `.stack/secrets/orders-api`), listening with mTLS on a free port,
 * the hop kit verifying against a test issuer, audit records captured. Callers use their real
 * stack workload certificates.
 */
import type { AddressInfo } from 'node:net'
import { createAuditLogger } from '@mythical/audit'
import { createMtlsAgent, loadWorkloadIdentity, type WorkloadIdentity } from '@mythical/mtls'
import { createTestIssuer, testServiceEnv, TEST_ISSUER } from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import { request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

export const paths = stackPaths()

/** A workload of the running stack, by manifest name. */
export const workload = (service: string): WorkloadIdentity =>
  loadWorkloadIdentity(paths.secrets(service))

/** One call's outcome and the audit records it wrote. */
export interface CallResult {
  status: number
  headers: Record<string, unknown>
  body: Record<string, unknown>
  records: Record<string, unknown>[]
}

export async function startOrdersApi() {
  const idp = await createTestIssuer()
  const lines: Record<string, unknown>[] = []
  const audit = createAuditLogger({
    service: 'orders-api',
    level: 'warn',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  const config = loadServiceConfig(
    testServiceEnv('orders-api', paths.secrets('orders-api'), {
      PKI_DIR: paths.pki,
      IDP_ISSUER: TEST_ISSUER,
      IDP_URL: 'https://127.0.0.1:1',
    }),
  )
  const app = await buildApp(config, { audit, keys: idp.keys })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `https://localhost:${(app.server.address() as AddressInfo).port}`
  const agents = new Map<WorkloadIdentity, ReturnType<typeof createMtlsAgent>>()

  /** Calls orders-api as workload `as` (its certificate) with `token`. */
  async function call(
    as: WorkloadIdentity,
    method: 'GET' | 'POST',
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<CallResult> {
    const agent = agents.get(as) ?? createMtlsAgent(as)
    agents.set(as, agent)
    const before = lines.length
    const res = await request(`${base}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
    idp,
    call,
    async close() {
      await Promise.all([...agents.values()].map((a) => a.close()))
      await app.close()
    },
  }
}
