/**
 * A real two-domain federation for the partner IdP's integration tests:
 * - a retail CA and a retail "IdP" JWKS endpoint served over HTTPS with a retail workload
 *   certificate (the retail side as the partner sees it: an issuer identifier plus a JWKS);
 * - the partner IdP's own signing key and data key in the stack's folder layout (`pki/…`,
 *   `secrets/partner-idp/…`), loaded through the service's real config and server code; its
 *   workload certificate, the shipping CA and its database login are the stack's own (the partner
 *   keeps its state in its database on the stack's PostgreSQL, provisioned by the integration
 *   run's global set-up, which admits only a certificate of the stack's CAs);
 * - the retail `web` client's key pair (public JWKS published under `pki/retail/jwks/web.json`).
 */
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCertificateAuthority, issueWorkloadCertificate } from '@mythical/pki'
import type { KeyAndCertificate } from '@mythical/pki'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { CryptoKey, JWK, JWTPayload } from 'jose'
import { Agent, fetch } from 'undici'
import { DATA_KEY_FILE } from '@mythical/service-kit'
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from '@mythical/oauth'
import { SECRET_FILES, stackPaths } from '@mythical/stack'
import type { AuditRecord } from '@mythical/audit'
import type { AuditSink } from '../../src/audit/audit-sink.ts'
import { loadConfig } from '../../src/config.ts'
import type { PartnerIdpConfig } from '../../src/config.ts'
import { startPartnerIdp } from '../../src/server.ts'
import type { RunningPartnerIdp } from '../../src/server.ts'

export const PARTNER_ISSUER = 'https://localhost:5000'
export const RETAIL_ISSUER = 'https://localhost:4000'
export const TOKEN_EXCHANGE = TOKEN_EXCHANGE_GRANT
export const ACCESS_TOKEN_TYPE = TOKEN_TYPE.accessToken
export const ORDER_TRACKING = 'https://order-tracking-api.shipping.mythical.example'

/** An ES256 key pair with its public JWK (carrying `kid`). */
export interface TestKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

export async function generateTestKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  }
}

/**
 * Collects audit records so tests can assert the decision of each request (find a request's
 * record by its trace id, see audit-trail.ts).
 */
export class AuditCollector implements AuditSink {
  readonly records: AuditRecord[] = []
  decision(entry: AuditRecord): void {
    this.records.push(entry)
  }
}

/** An HTTPS server publishing a JWKS at `/jwks`, as the retail IdP does. */
export interface JwksServer {
  readonly url: string
  /** Requests served so far (readiness must not turn into outbound requests). */
  hits(): number
  close(): Promise<void>
}

export async function startJwksServer(
  tls: KeyAndCertificate,
  keys: readonly JWK[],
): Promise<JwksServer> {
  let hits = 0
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    hits += 1
    if (req.url !== '/jwks') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' })
    res.end(JSON.stringify({ keys }))
  })
  return { ...(await listen(server)), hits: () => hits }
}

async function listen(server: Server): Promise<Omit<JwksServer, 'hits'>> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export interface Federation {
  readonly root: string
  readonly retailCa: KeyAndCertificate
  /** The stack's shipping CA, which issued the partner IdP's certificate. */
  readonly shippingCa: { readonly certPem: string }
  readonly retailTls: KeyAndCertificate
  readonly retailKey: TestKey
  readonly webKey: TestKey
  readonly jwks: JwksServer
  /** Env the runner would give the partner IdP (with `IDP_URL` at the test JWKS server). */
  readonly env: Record<string, string>
  cleanup(): Promise<void>
}

/** Creates CAs, keys and the stack folder layout, and starts the retail JWKS server. */
export async function createFederation(): Promise<Federation> {
  const root = await mkdtemp(join(tmpdir(), 'partner-idp-'))
  const pki = join(root, 'pki')
  const secrets = join(root, 'secrets', 'partner-idp')
  await mkdir(join(pki, 'retail', 'jwks'), { recursive: true })
  await mkdir(join(pki, 'shipping'), { recursive: true })
  await mkdir(secrets, { recursive: true })

  const stack = stackPaths()
  const retailCa = await createCertificateAuthority({ name: 'Test retail CA' })
  const shippingCa = { certPem: await readFile(stack.caCert('shipping'), 'utf8') }
  const retailTls = await issueWorkloadCertificate(retailCa, {
    spiffeId: 'spiffe://retail.mythical.example/idp',
  })
  const retailKey = await generateTestKey('retail-idp-1')
  const webKey = await generateTestKey('web-1')
  const partnerKey = await generateKeyPair('ES256', { extractable: true })
  const partnerJwk = { ...(await exportJWK(partnerKey.privateKey)), kid: 'partner-idp-1' }

  // PostgreSQL serves a certificate of the stack's retail CA: trusted next to the test one.
  const stackRetailCaPem = await readFile(stack.caCert('retail'), 'utf8')
  await writeFile(
    join(pki, 'retail', 'ca.pem'),
    `${retailCa.certPem.trimEnd()}\n${stackRetailCaPem}`,
  )
  await writeFile(join(pki, 'shipping', 'ca.pem'), shippingCa.certPem)
  await writeFile(
    join(pki, 'retail', 'jwks', 'web.json'),
    JSON.stringify({ keys: [webKey.publicJwk] }),
  )
  for (const file of [SECRET_FILES.tlsCert, SECRET_FILES.tlsKey, SECRET_FILES.database]) {
    await copyFile(join(stack.secrets('partner-idp'), file), join(secrets, file))
  }
  await writeFile(join(secrets, SECRET_FILES.ca), shippingCa.certPem)
  await writeFile(join(secrets, 'signing-key.jwk.json'), JSON.stringify(partnerJwk), {
    mode: 0o600,
  })
  // The root of derived keys (cookies), separate from the signing key.
  const dataKey = { kty: 'oct', kid: 'partner-data-1', k: randomBytes(32).toString('base64url') }
  await writeFile(join(secrets, DATA_KEY_FILE), JSON.stringify(dataKey), { mode: 0o600 })
  // The partner's pairwise-subject key, shared with shipping-api in the stack (SHARED_SECRETS).
  const pairwiseKey = { kty: 'oct', kid: 'pairwise-1', k: randomBytes(32).toString('base64url') }
  await writeFile(join(secrets, SECRET_FILES.pairwiseSubjectKey), JSON.stringify(pairwiseKey), {
    mode: 0o600,
  })

  const jwks = await startJwksServer(retailTls, [retailKey.publicJwk])
  return {
    root,
    retailCa,
    shippingCa,
    retailTls,
    retailKey,
    webKey,
    jwks,
    env: {
      SERVICE_NAME: 'partner-idp',
      HOST: '127.0.0.1',
      PORT: '5000',
      SECRETS_DIR: secrets,
      PKI_DIR: pki,
      LOG_LEVEL: 'silent',
      PARTNER_IDP_ISSUER: PARTNER_ISSUER,
      IDP_ISSUER: RETAIL_ISSUER,
      IDP_URL: jwks.url,
    },
    async cleanup() {
      await jwks.close()
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** Starts the partner IdP on a free port through its real config loader and server. */
export async function startPartner(
  env: Record<string, string>,
  audit: AuditSink,
): Promise<{ idp: RunningPartnerIdp; config: PartnerIdpConfig }> {
  const config = { ...loadConfig(env), port: 0, mtlsPort: 0 }
  return { idp: await startPartnerIdp(config, { audit }), config }
}

/** A retail access token (RFC 9068 shape) for the partner, signed with `key`. */
export async function retailToken(
  key: TestKey,
  claims: JWTPayload = {},
  header: { typ?: string; kid?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: RETAIL_ISSUER,
    aud: PARTNER_ISSUER,
    sub: 'katie',
    client_id: 'web',
    scope: 'tracking:read',
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 120,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: header.typ ?? 'at+jwt', kid: header.kid ?? key.kid })
    .sign(key.privateKey)
}

/**
 * A `private_key_jwt` client assertion (RFC 7523 §2.2) for the partner's token endpoint; its
 * `aud` is the partner issuer unless `claims.aud` says otherwise.
 */
export async function clientAssertion(
  key: TestKey,
  clientId = 'web',
  claims: JWTPayload = {},
): Promise<string> {
  return new SignJWT({ jti: crypto.randomUUID(), aud: PARTNER_ISSUER, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(key.privateKey)
}

/**
 * An HTTPS client that trusts only the shipping CA (as a retail BFF configured for the partner),
 * optionally presenting a workload certificate (for the mTLS alias).
 */
export function partnerClient(shippingCaPem: string, clientTls?: KeyAndCertificate) {
  const dispatcher = new Agent({
    connect: {
      ca: shippingCaPem,
      ...(clientTls ? { cert: clientTls.certPem, key: clientTls.keyPem } : {}),
    },
  })
  return {
    async postForm(
      url: string,
      form: Record<string, string>,
      headers: Record<string, string> = {},
    ) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, accept: 'application/json' },
        body: new URLSearchParams(form),
        dispatcher,
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    },
    async getJson(url: string) {
      const response = await fetch(url, { headers: { accept: 'application/json' }, dispatcher })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    },
    close: () => dispatcher.close(),
  }
}
