/**
 * A slice of the retail API chain for one service's integration tests: the other services run as
 * their own processes (real entry points, stack logins and databases, real mTLS) on free ports —
 * never the running stack's fixed ones — wired to each other and to a retail IdP process; users
 * sign in to that IdP as the web BFF does and their tokens are exchanged hop by hop as a workload
 * does (`tls_client_auth` on the IdP's mTLS alias). No service source is imported.
 */
import { envPrefix, resourceUri, serviceByName } from '@mythical/stack'
import { redeemCode, signIn, type SignInOptions, type TokenSet } from './flows.ts'
import { freePort } from './free-port.ts'
import { request, workloadCert } from './https.ts'
import { startServiceProcess, type IdpProcess, type ServiceProcess } from './service-process.ts'

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/**
 * The IdP a chain trusts: its issuer, its mTLS alias, and where its JWKS are fetched (`url`,
 * default the issuer).
 */
export type ChainIdp = Pick<IdpProcess, 'issuer' | 'mtlsUrl'> & { readonly url?: string }

/** A chain service running as a process. */
export interface ChainService extends ServiceProcess {
  readonly name: string
  /** `https://127.0.0.1:<free port>`. */
  readonly url: string
}

/** The services of one chain, by name. */
export type RetailChain = Readonly<Record<string, ChainService>> & {
  /** Stops every service of the chain. */
  stop(): Promise<void>
}

/**
 * Starts `names` as processes, each after the chain services it calls (its `<CALLEE>_URL` points
 * at them; callees outside the chain keep the manifest's URL), trusting `idp`. `env` adds or
 * overrides variables per service.
 *
 * @example
 * ```ts
 * const chain = await startRetailChain(idp, ['orders-api', 'tokenization-api', 'order-fulfillment-api'])
 * after(() => chain.stop())
 * chain['order-fulfillment-api'].url // https://127.0.0.1:40123
 * ```
 */
export async function startRetailChain(
  idp: ChainIdp,
  names: readonly string[],
  env: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): Promise<RetailChain> {
  const starting = new Map<string, Promise<ChainService>>()
  const start = (name: string): Promise<ChainService> => {
    const known = starting.get(name)
    if (known) return known
    const started = (async () => {
      const callees = serviceByName(name).dependsOn.filter((dep) => names.includes(dep))
      const urls = Object.fromEntries(
        (await Promise.all(callees.map(start))).map((s) => [`${envPrefix(s.name)}_URL`, s.url]),
      )
      return startChainService(name, idp, { ...urls, ...env[name] })
    })()
    starting.set(name, started)
    return started
  }
  const results = await Promise.allSettled(names.map(start))
  const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const stop = async () => {
    await Promise.all(running.map((s) => s.stop()))
  }
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  return Object.assign(Object.fromEntries(running.map((s) => [s.name, s])), { stop })
}

/**
 * One internal service as a process on a free port, trusting `idp`; ready once `/healthz`
 * answers its domain's stack probe identity.
 */
export async function startChainService(
  name: string,
  idp: ChainIdp,
  env: Readonly<Record<string, string>> = {},
): Promise<ChainService> {
  const port = await freePort()
  const url = `https://127.0.0.1:${port}`
  const run = await startServiceProcess(
    name,
    {
      PORT: String(port),
      IDP_ISSUER: idp.issuer,
      IDP_URL: idp.url ?? idp.issuer,
      IDP_MTLS_URL: idp.mtlsUrl,
      LOG_LEVEL: 'warn',
      ...env,
    },
    `${url}/healthz`,
    30_000,
    workloadCert(`stack-probe-${serviceByName(name).domain}`),
  )
  return { ...run, name, url }
}

/**
 * The opaque access token `options`' user gets from `idp` for the web BFF (PAR + PKCE +
 * `private_key_jwt`, DPoP-bound to a throw-away key).
 */
export async function signInAs(idp: ChainIdp, options: SignInOptions): Promise<string> {
  const tokens = await redeemCode(idp.issuer, await signIn(idp.issuer, options))
  if (tokens.status !== 200)
    throw new Error(`token endpoint answered ${tokens.status}: ${tokens.text}`)
  return tokens.json<TokenSet>().access_token
}

/**
 * `subjectToken` exchanged (RFC 8693) by workload `as` for service `audience`, as its token client
 * does: `tls_client_auth` with its certificate, bound to it. Rejects with the IdP's `error` when
 * refused.
 *
 * @example
 * ```ts
 * const phantom = await exchangeFor(idp, 'gateway', await signInAs(idp, katie), 'my-shopping-api')
 * ```
 */
export async function exchangeFor(
  idp: ChainIdp,
  as: string,
  subjectToken: string,
  audience: string,
  options: { scope?: string } = {},
): Promise<string> {
  const res = await request(`${idp.mtlsUrl}/token`, {
    as,
    form: {
      client_id: as,
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      resource: resourceUri(serviceByName(audience)),
      ...(options.scope ? { scope: options.scope } : {}),
    },
  })
  if (res.status !== 200) {
    throw new Error(`token exchange refused (${res.status}): ${res.json().error as string}`)
  }
  return res.json<TokenSet>().access_token
}

/** What the gateway forwards for `options`' user: her token exchanged for `service`. */
export async function phantomFor(
  idp: ChainIdp,
  options: SignInOptions,
  service: string,
): Promise<string> {
  return exchangeFor(idp, 'gateway', await signInAs(idp, options), service)
}
