/**
 * The two reference proxies of the gateway benchmark, on the same TLS edge listener and the same
 * mTLS transport to the upstream as the gateway (undici with the gateway's workload certificate):
 *
 * - `bare`: fastify forwarding every request, nothing else;
 * - `one-verify`: the same plus one jose ES256 verification of the request's DPoP proof — the
 *   cost a DPoP-checking edge cannot avoid.
 */
import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import { createService } from '@mythical/service-kit'
import { EmbeddedJWK, jwtVerify } from 'jose'
import { request } from 'undici'

/**
 * @example
 * ```ts
 * const bare = await referenceProxy(identity, upstreamUrl, { verifyProof: false })
 * await bare.listen({ host: '127.0.0.1', port: 0 })
 * ```
 */
export async function referenceProxy(
  identity: WorkloadIdentity,
  upstreamUrl: string,
  opts: { verifyProof: boolean },
) {
  const app = await createService({
    name: 'gateway',
    identity,
    exposure: 'edge',
    logLevel: 'silent',
  })
  const dispatcher = createMtlsAgent(identity, {
    allowedServerIds: ['spiffe://retail.mythical.example/my-shopping-api'],
  })
  app.addHook('onClose', () => dispatcher.close())
  app.get('/shopping/*', async (req, reply) => {
    if (opts.verifyProof) {
      await jwtVerify(String(req.headers.dpop), EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
      })
    }
    const res = await request(`${upstreamUrl}${req.url}`, { dispatcher })
    reply.code(res.statusCode).header('content-type', res.headers['content-type'])
    return reply.send(res.body)
  })
  return app
}
