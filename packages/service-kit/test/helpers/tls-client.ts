import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import { Agent, request, type Dispatcher } from 'undici'

const agents: Dispatcher[] = []

/** Closes every agent made by {@link callAs}/{@link callWithoutCertificate}. */
export const closeAgents = () => Promise.all(agents.splice(0).map((a) => a.close()))

async function call(url: string, dispatcher: Dispatcher, headers: Record<string, string> = {}) {
  agents.push(dispatcher)
  const res = await request(url, { dispatcher, headers })
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  }
}

/** GET `url` over mTLS as workload `id`. */
export const callAs = (id: WorkloadIdentity, url: string, headers?: Record<string, string>) =>
  call(url, createMtlsAgent(id), headers)

/** GET `url` over TLS without a client certificate, trusting `caPem`. */
export const callWithoutCertificate = (caPem: string, url: string) =>
  call(url, new Agent({ connect: { ca: [caPem] } }))
