/**
 * The vault as its integration tests meet it: the real app with the stack's cardvault identity,
 * its own database login and the published keys of its registered clients (`.stack/`, laid out
 * and provisioned by the integration run's global set-up), listening on a free loopback port; and
 * callers that present a chosen client certificate and seal requests the way a registered client
 * does — or, for the attacks, almost.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { captureAuditLines, testServiceEnv } from '@mythical/service-kit/testing'
import { SECRET_FILES, stackPaths } from '@mythical/stack'
import { CompactEncrypt, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { Agent, request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { startVault } from '../../src/server.ts'

export const paths = stackPaths()
export const VAULT_ID = 'spiffe://cardvault.mythical.example/tokenization-api'
export const FULFILLMENT_ISSUER = 'spiffe://retail.mythical.example/order-fulfillment-api'
export const PAYMENTS_ISSUER = 'spiffe://retail.mythical.example/payments-api'
export const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030 }

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>

/** A running vault and the audit lines it wrote. */
export interface RunningVault {
  readonly url: string
  readonly lines: Record<string, unknown>[]
  close(): Promise<void>
}

/** Starts the vault as `main.ts` does, on a free port, with captured audit. */
export async function startTestVault(): Promise<RunningVault> {
  const secrets = paths.secrets('tokenization-api')
  const config = loadServiceConfig(
    testServiceEnv('tokenization-api', secrets, { PKI_DIR: paths.pki, PORT: '1' }),
  )
  const { audit, lines } = captureAuditLines('tokenization-api')
  const built = await buildApp(config, { audit })
  let server: Server
  try {
    server = await startVault(built.app, built.audit, loadWorkloadIdentity(secrets), {
      host: '127.0.0.1',
      port: 0,
    })
  } catch (err) {
    await built.close()
    throw err
  }
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}`,
    lines,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await built.close()
    },
  }
}

/** Folder holding a client certificate: a service's own, or its cardvault one. */
export const clientCertDir = (service: string, domain?: 'cardvault') =>
  domain ? join(paths.secrets(service), domain) : paths.secrets(service)

/** An mTLS agent presenting the certificate in `certDir`, trusting the cardvault CA only. */
export function clientAgent(certDir: string): Agent {
  return new Agent({
    connect: {
      ca: readFileSync(paths.caCert('cardvault'), 'utf8'),
      cert: readFileSync(join(certDir, SECRET_FILES.tlsCert), 'utf8'),
      key: readFileSync(join(certDir, SECRET_FILES.tlsKey), 'utf8'),
    },
  })
}

/** A fresh W3C trace: the header to send and the id the audit records carry. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }
}

/** One call to the vault; `records` are the audit records of that call's trace. */
export async function callVault(
  vault: RunningVault,
  agent: Agent,
  path: string,
  body: string,
  contentType = 'application/jose',
) {
  const trace = newTrace()
  const res = await request(`${vault.url}${path}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': contentType, traceparent: trace.traceparent },
    body,
  })
  const text = await res.body.text()
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type'] ?? ''),
    text,
    problem: () => JSON.parse(text) as { code?: string; traceId?: string; detail?: string },
    records: vault.lines.filter((line) => line.audit === true && line.traceId === trace.traceId),
  }
}

/** A private key from a service's secrets folder. */
export async function privateKeyOf(service: string, file: string, alg: string): Promise<CryptoKey> {
  return (await importJWK(readJson(join(paths.secrets(service), file)) as JWK, alg)) as CryptoKey
}

/** A public key a service published (`use` sig or enc). */
export async function publishedKeyOf(
  domain: 'retail' | 'cardvault',
  service: string,
  use: 'sig' | 'enc',
): Promise<{ key: CryptoKey; kid: string }> {
  const jwks = readJson(paths.publicJwks(domain, service)) as { keys: JWK[] }
  const jwk = jwks.keys.find((k) => k.use === use) as JWK
  return {
    key: (await importJWK(jwk, use === 'sig' ? 'ES256' : 'ECDH-ES+A256KW')) as CryptoKey,
    kid: jwk.kid as string,
  }
}

/** Options of {@link signRequest}: each one an attack when set. */
export interface RequestShape {
  readonly issuer?: string
  readonly audience?: string
  readonly typ?: string
  /** Seconds relative to now. */
  readonly iatOffset?: number
  readonly lifetime?: number
  readonly jti?: string
}

/** Signs request claims as a registered client does (ES256 with `signingKey`). */
export async function signRequest(
  claims: JWTPayload,
  signingKey: CryptoKey,
  shape: RequestShape = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + (shape.iatOffset ?? 0)
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: shape.typ ?? 'vault-request+jwt' })
    .setIssuer(shape.issuer ?? FULFILLMENT_ISSUER)
    .setAudience(shape.audience ?? VAULT_ID)
    .setIssuedAt(now)
    .setExpirationTime(now + (shape.lifetime ?? 30))
    .setJti(shape.jti ?? randomUUID())
    .sign(signingKey)
}

/** Encrypts `content` to the vault's published key (nested JWT: `cty: "JWT"`). */
export async function encryptToVault(content: string): Promise<string> {
  const vaultKey = await publishedKeyOf('cardvault', 'tokenization-api', 'enc')
  return new CompactEncrypt(new TextEncoder().encode(content))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: vaultKey.kid })
    .encrypt(vaultKey.key)
}
