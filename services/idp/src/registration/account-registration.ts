/**
 * `POST /accounts`: the machine endpoint through which customers-api creates a customer's
 * identity when a sales associate registers them in a store (SCENARIO.md, `POST /customers`).
 * The identity store stays the IdP's alone; customers-api never touches it.
 *
 * Who may call, checked in this order (each refusal audited with its reason):
 * 1. the RFC 8705 mTLS alias only, with a workload certificate of the retail CA;
 * 2. `Authorization: Bearer` — a JWT access token this IdP issued (client credentials) whose
 *    audience is the IdP itself, certificate-bound (`cnf.x5t#S256`) to this very connection;
 * 3. scope `accounts:register`, and a client the call graph lets obtain tokens for the IdP
 *    (customers-api) whose workload id is the TLS peer's.
 *
 * The new account has no usable password (the sign-in decoy hash: a random password nobody
 * knows) and no group: the customer sets a password through a reset flow (not built yet), and
 * no API can create staff.
 */
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { spiffeIdOfCertificate } from '@mythical/mtls'
import {
  assertCertificateBound,
  createAccessTokenVerifier,
  createIssuerKeySet,
  OAuthKitError,
} from '@mythical/oauth'
import {
  ClientCertificateRequired,
  Forbidden,
  Unauthenticated,
  ValidationFailed,
  problemHeaders,
  toProblemDocument,
} from '@mythical/problem'
import { traceIdOf } from '@mythical/service-kit'
import { isAllowedTarget, resourceUri, serviceByName, workloadId } from '@mythical/stack'
import type { JWK } from 'jose'
import type { AccountStore } from '../accounts/account-store.ts'
import { decoyPasswordHash } from '../accounts/password.ts'
import type { IdpAudit } from '../audit/idp-audit.ts'
import { ACCOUNT_REGISTRATION_SCOPE } from '../policies/resources.ts'

/** The path of the endpoint (on the mTLS alias). */
export const ACCOUNTS_PATH = '/accounts'

/** Largest accepted body in bytes. */
const MAX_BODY_BYTES = 2048
const ROUTE = `POST ${ACCOUNTS_PATH}`
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/

/** Options of {@link accountRegistration}. */
export interface AccountRegistrationOptions {
  readonly issuer: string
  /** The IdP's signing keys (private parts are dropped here). */
  readonly signingKeys: readonly JWK[]
  readonly store: AccountStore
  readonly audit: IdpAudit
}

/** A refusal: the problem answered and the audit reason. */
class Refusal extends Error {
  readonly reason: string
  readonly problem: Error
  constructor(reason: string, problem: Error) {
    super(reason)
    this.reason = reason
    this.problem = problem
  }
}

const publicJwk = ({ d: _d, ...rest }: JWK): JWK => rest

function peerCertificate(req: IncomingMessage): X509Certificate | undefined {
  const socket = req.socket as Partial<TLSSocket>
  if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) {
    return undefined
  }
  const raw = socket.getPeerCertificate().raw as Buffer | undefined
  return raw ? new X509Certificate(raw) : undefined
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    throw new Refusal('request.invalid', new ValidationFailed('expected application/json'))
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES)
      throw new Refusal('request.invalid', new ValidationFailed('body too large'))
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new Refusal('request.invalid', new ValidationFailed('body is not JSON'))
  }
}

function newCustomer(body: unknown): { name: string; email: string } {
  const { name, email } = (body ?? {}) as Record<string, unknown>
  const keys = Object.keys((body ?? {}) as object)
  if (
    keys.length !== 2 ||
    typeof name !== 'string' ||
    name.trim().length === 0 ||
    name.length > 100 ||
    typeof email !== 'string' ||
    !EMAIL.test(email)
  ) {
    throw new Refusal('request.invalid', new ValidationFailed('expected { name, email }'))
  }
  return { name: name.trim(), email: email.toLowerCase() }
}

/** A user name from the email's local part (`katie.smith@…` → `katiesmith`), made unique. */
const usernameBase = (email: string) =>
  (email.split('@')[0] ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 24) || 'customer'

/**
 * The request handler: answers `POST /accounts` and returns `true`; anything else → `false`.
 *
 * @example
 * ```ts
 * const registration = accountRegistration({ issuer, signingKeys, store, audit })
 * if (await registration(req, res)) return
 * ```
 */
export function accountRegistration(opts: AccountRegistrationOptions) {
  const audience = resourceUri(serviceByName('idp'))
  const verifier = createAccessTokenVerifier({
    issuer: opts.issuer,
    keys: createIssuerKeySet({ jwks: { keys: opts.signingKeys.map(publicJwk) } }),
    algorithms: ['ES256'],
    audience,
  })

  async function authorize(req: IncomingMessage): Promise<{ client: string; caller: string }> {
    const certificate = peerCertificate(req)
    if (!certificate) {
      throw new Refusal('mtls.client_certificate_required', new ClientCertificateRequired())
    }
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1]
    if (!token) throw new Refusal('token.missing', new Unauthenticated('access token required'))
    let payload
    try {
      ;({ payload } = await verifier.verify(token))
      assertCertificateBound(payload as { cnf?: unknown }, certificate)
    } catch (err) {
      if (err instanceof OAuthKitError) throw new Refusal(err.code, new Unauthenticated())
      throw err
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
    if (!scopes.includes(ACCOUNT_REGISTRATION_SCOPE)) {
      throw new Refusal(
        'scope.insufficient',
        new Forbidden(`requires scope "${ACCOUNT_REGISTRATION_SCOPE}"`),
      )
    }
    const client = typeof payload.client_id === 'string' ? payload.client_id : ''
    const caller = spiffeIdOfCertificate(certificate)
    const clientService = serviceOfClient(client)
    if (
      !isAllowedTarget(client, 'idp') ||
      !clientService ||
      caller !== workloadId(clientService.domain, clientService.name)
    ) {
      throw new Refusal(
        'client.not_allowed',
        new Forbidden('this client may not register accounts'),
      )
    }
    return { client, caller }
  }

  async function register(customer: { name: string; email: string }) {
    const id = randomUUID()
    // The sign-in decoy: a hash of a random password nobody knows, so the account cannot sign in
    // until the customer sets a password, and a sign-in attempt costs the same as for anyone.
    const passwordHash = await decoyPasswordHash
    const base = usernameBase(customer.email)
    for (let attempt = 0; attempt < 20; attempt++) {
      const username = attempt === 0 ? base : `${base}${randomBytes(2).readUInt16BE(0) % 10000}`
      const inserted = await opts.store.insertAccountIfMissing({
        id,
        username,
        displayName: customer.name,
        email: customer.email,
        passwordHash,
        groups: [],
      })
      if (inserted) return { sub: id, username }
    }
    throw new Error('no free user name for a new account')
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== ACCOUNTS_PATH || req.method !== 'POST') return false
    const traceId = traceIdOf(req.headers.traceparent)
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const type = status < 400 ? 'application/json' : 'application/problem+json'
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers })
      res.end(JSON.stringify(body))
    }
    let who: { client: string; caller: string } | undefined
    try {
      who = await authorize(req)
      const account = await register(newCustomer(await readJson(req)))
      opts.audit.record(req, {
        route: ROUTE,
        audience,
        decision: 'allow',
        reason: 'account.registered',
        subject: account.sub,
        client: who.client,
        caller: who.caller,
      })
      answer(201, account)
    } catch (err) {
      if (!(err instanceof Refusal)) throw err
      opts.audit.record(req, {
        route: ROUTE,
        audience,
        decision: 'deny',
        reason: err.reason,
        ...(who ? { client: who.client, caller: who.caller } : {}),
      })
      answer(
        (err.problem as { status?: number }).status ?? 400,
        toProblemDocument(err.problem, { instance: ACCOUNTS_PATH, traceId }),
        { ...problemHeaders(err.problem) },
      )
    }
    return true
  }
}

/** The manifest service an OAuth client id names (every workload is its own client). */
function serviceOfClient(clientId: string) {
  try {
    return serviceByName(clientId)
  } catch {
    return undefined
  }
}
