/**
 * The upstream of the gateway benchmark, in its own process: an mTLS fastify service with
 * my-shopping-api's stack certificate answering `GET /shopping/products` with the static
 * catalogue, without checking tokens — so the gateway and both reference proxies hit exactly the
 * same upstream and the figures isolate the edge's own cost. Prints its port, then serves until
 * killed.
 */
import type { AddressInfo } from 'node:net'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { createService } from '@mythical/service-kit'
import { stackPaths } from '@mythical/stack'
import { CATALOGUE } from '../../../../packages/catalogue/src/index.ts'

const app = await createService({
  name: 'my-shopping-api',
  identity: loadWorkloadIdentity(stackPaths().secrets('my-shopping-api')),
  exposure: 'internal',
  logLevel: 'silent',
})
app.get('/shopping/products', async () => ({ products: CATALOGUE }))
await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`${(app.server.address() as AddressInfo).port}\n`)
