/**
 * A minimal authorization server for the client unit tests, over real TLS: discovery, JWKS, a
 * token endpoint and an RFC 9701 introspection endpoint whose answers a test can shape. The real
 * IdP is exercised by services/idp/test/integration/oauth-kit.test.ts.
 */
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { startHttpsServer } from '../helpers/https-server.ts'
import type { TestServer } from '../helpers/https-server.ts'

/** A request the fake server received. */
export interface Received {
  readonly path: string
  readonly form: URLSearchParams
  readonly accept: string | undefined
}

/** How the next answer looks. */
export interface Behaviour {
  /** Token endpoint: status and JSON body. */
  token: () => { status: number; body: Record<string, unknown> }
  /** Introspection: the answer (`jwt` signs `claims` with `key`; `json` answers unsigned). */
  introspection: () =>
    | { kind: 'jwt'; claims: Record<string, unknown>; key?: CryptoKey; typ?: string }
    | { kind: 'json'; body: Record<string, unknown> }
}

export interface FakeAuthorizationServer extends TestServer {
  readonly received: Received[]
  readonly behaviour: Behaviour
  readonly signingKey: CryptoKey
  readonly publicJwk: JWK
}

/**
 * @param announcedIssuer The issuer the server names itself (discovery, `iss`, endpoints); default
 *   its own URL. Another value plays a public issuer the test reaches at an internal location.
 */
export async function startFakeAuthorizationServer(
  announcedIssuer?: string,
): Promise<FakeAuthorizationServer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'as-1', alg: 'ES256', use: 'sig' }
  const received: Received[] = []
  const behaviour: Behaviour = {
    token: () => ({
      status: 200,
      body: { access_token: `at-${received.length}`, token_type: 'Bearer', expires_in: 300 },
    }),
    introspection: () => ({ kind: 'jwt', claims: {} }),
  }
  let issuer = ''
  const server = await startHttpsServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const path = new URL(req.url ?? '/', issuer).pathname
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
        received.push({ path, form, accept: req.headers.accept })
        const json = (status: number, body: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
        if (path === '/.well-known/openid-configuration') {
          return json(200, {
            issuer,
            token_endpoint: `${issuer}/token`,
            introspection_endpoint: `${issuer}/introspect`,
            jwks_uri: `${issuer}/jwks`,
            introspection_signing_alg_values_supported: ['ES256'],
          })
        }
        if (path === '/jwks') return json(200, { keys: [publicJwk] })
        if (path === '/token') {
          const answer = behaviour.token()
          return json(answer.status, answer.body)
        }
        if (path === '/introspect') {
          const answer = behaviour.introspection()
          if (answer.kind === 'json') return json(200, answer.body)
          const now = Math.floor(Date.now() / 1000)
          const jwt = await new SignJWT({
            iss: issuer,
            aud: form.get('client_id') ?? 'gateway',
            iat: now,
            ...answer.claims,
          })
            .setProtectedHeader({
              alg: 'ES256',
              kid: 'as-1',
              typ: answer.typ ?? 'token-introspection+jwt',
            })
            .sign(answer.key ?? privateKey)
          res.writeHead(200, { 'content-type': 'application/token-introspection+jwt' }).end(jwt)
          return undefined
        }
        return json(404, {})
      })()
    })
  })
  issuer = announcedIssuer ?? server.url
  return { ...server, received, behaviour, signingKey: privateKey, publicJwk }
}
