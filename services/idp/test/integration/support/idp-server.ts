/**
 * Runs the real IdP in-process for a test: both listeners over real TLS with the IdP's stack
 * certificate (edge without client certificate, mTLS alias demanding one), the stack's
 * PostgreSQL, and an audit logger whose records the test can read.
 */
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createAuditLogger } from '@mythical/audit'
import type { WrittenAuditRecord } from '@mythical/audit'
import { loadWorkloadIdentity, mtlsServerOptions } from '@mythical/mtls'
import { buildIdp } from '../../../src/app.ts'
import type { Idp } from '../../../src/app.ts'
import { loadIdpConfig } from '../../../src/config.ts'
import { captureAudit, paths } from '@mythical/testing'

export const PARTNER_ISSUER = 'https://localhost:5000'

/** A running IdP. */
export interface RunningIdp {
  readonly idp: Idp
  /** Issuer = edge URL, e.g. `https://localhost:41234`. */
  readonly issuer: string
  readonly mtlsUrl: string
  readonly secretsDir: string
  /** Audit records written so far (a request's records by its trace: `recordsOf` of `@mythical/testing`). */
  readonly audit: WrittenAuditRecord[]
  stop(): Promise<void>
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return (server.address() as AddressInfo).port
}

/**
 * Start the IdP. Pass the ports of a stopped instance to restart "the same" IdP.
 *
 * @example
 * ```ts
 * const run = await startIdp()
 * t.after(() => run.stop())
 * ```
 */
export async function startIdp(
  opts: {
    secretsDir?: string
    ports?: { edge: number; mtls: number }
    /** Extra configuration, e.g. `{ SIGN_IN_RATE_GLOBAL: '5' }`. */
    env?: Record<string, string>
  } = {},
): Promise<RunningIdp> {
  const secretsDir = opts.secretsDir ?? paths.secrets('idp')
  const identity = loadWorkloadIdentity(paths.secrets('idp'))
  // The listeners come first (their ports make the issuer); requests wait for the IdP.
  const slot: { handle?: Idp['handle'] } = {}
  const dispatch: Idp['handle'] = (req, res) => {
    if (slot.handle) slot.handle(req, res)
    else res.writeHead(503).end()
  }
  const edge = createServer(
    mtlsServerOptions(identity, { requireClientCertificate: false }),
    dispatch,
  )
  const mtls = createServer(mtlsServerOptions(identity), dispatch)
  const edgePort = await listen(edge, opts.ports?.edge ?? 0)
  const mtlsPort = await listen(mtls, opts.ports?.mtls ?? 0)
  const issuer = `https://localhost:${edgePort}`

  const { destination, records: audit } = captureAudit()
  const config = loadIdpConfig({
    SERVICE_NAME: 'idp',
    PORT: String(edgePort),
    MTLS_PORT: String(mtlsPort),
    SECRETS_DIR: secretsDir,
    PKI_DIR: paths.pki,
    LOG_LEVEL: 'warn',
    IDP_ISSUER: issuer,
    PARTNER_IDP_ISSUER: PARTNER_ISSUER,
    NODE_ENV: 'test',
    // The tests sign in as the SCENARIO.md demo users (idempotent: existing accounts are kept).
    SEED_DEMO_DATA: 'true',
    ...opts.env,
  })
  const idp = await buildIdp(config, {
    audit: createAuditLogger({ service: 'idp', level: 'warn', destination }),
  })
  slot.handle = idp.handle

  return {
    idp,
    issuer,
    mtlsUrl: `https://localhost:${mtlsPort}`,
    secretsDir,
    audit,
    async stop() {
      for (const server of [edge, mtls]) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
      await idp.close()
    },
  }
}
