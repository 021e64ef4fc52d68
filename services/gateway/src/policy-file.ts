/**
 * The gateway's policy file (`services/gateway/policies.json`): policies as data, like an API
 * manager's. `all` holds the automated policies every API gets; each API may override any of
 * them. The file is validated once at start-up: an unknown key, a bad CIDR or an API without a
 * client list stops the gateway from starting instead of silently allowing.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { z } from 'zod'

/** `10.0.0.0/8`, `::1/128` or a bare address (= one host). */
const cidr = z.string().refine((value) => {
  const [address = '', prefix, extra] = value.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (prefix === undefined) return true
  const bits = Number(prefix)
  return /^[0-9]{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128)
}, 'must be an IP address or CIDR block')

const positive = z.number().int().positive()

/** An exact browser origin: scheme, host and port, nothing else (no wildcards, no paths). */
const origin = z
  .string()
  .refine(
    (value) => URL.canParse(value) && new URL(value).origin === value,
    'must be an exact origin like https://localhost:3000',
  )

const ipFilter = z.strictObject({
  /** Empty: every address not denied. Otherwise only these. */
  allow: z.array(cidr),
  deny: z.array(cidr),
})

const cors = z.strictObject({ origins: z.array(origin) })

const spike = z.strictObject({ requests: positive, perSeconds: positive })

const json = z.strictObject({
  maxBytes: positive,
  maxDepth: positive,
  maxKeys: positive,
  maxArrayLength: positive,
  maxStringLength: positive,
})

/** The automated policies of every API, each overridable per API. */
const apiPolicies = z.strictObject({ ipFilter, cors, spike, json })

/**
 * Routes a token without a user (the client's own `client_credentials` token) may reach: the
 * public catalogue for anonymous browsing. The gateway forwards such a request with a machine
 * token it obtains itself for the upstream, carrying `scope` only (never a user's `sub`).
 */
const anonymous = z.strictObject({
  /** OAuth clients whose user-less tokens are accepted here; each must be one of the API's. */
  clients: z.array(z.string().min(1)).min(1),
  /** Exact method and path (query aside): no prefixes, no patterns. */
  routes: z
    .array(z.strictObject({ method: z.enum(['GET']), path: z.string().regex(/^(\/[a-z0-9-]+)+$/) }))
    .min(1),
  /** The one scope of the gateway's machine token for the upstream. */
  scope: z.string().regex(/^[a-z][a-z0-9-]*:[a-z]+$/),
})

const api = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** Path prefix at the gateway, e.g. `/shopping`: the prefix itself and everything under it. */
  prefix: z.string().regex(/^\/[a-z0-9-]+$/),
  /** Manifest name of the experience API the requests go to. */
  upstream: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** OAuth client ids whose tokens may call this API (client-id enforcement). */
  clients: z.array(z.string().min(1)).min(1),
  anonymous: anonymous.optional(),
  ...apiPolicies.partial().shape,
})

const tier = z.strictObject({ requests: positive, windowSeconds: positive })

const policyFile = z
  .strictObject({
    $comment: z.string().optional(),
    /** Peers whose `X-Forwarded-For` is believed; empty: nobody's, the socket address counts. */
    trustedProxies: z.array(cidr),
    http: z.strictObject({
      maxHeaderBytes: positive,
      headersTimeoutMs: positive,
      requestTimeoutMs: positive,
    }),
    /** Introspection results are cached until the token expires, but never longer than this. */
    tokenCache: z.strictObject({ maxSeconds: positive }),
    feedbackLoop: z.strictObject({
      failures: positive,
      windowSeconds: positive,
      blockSeconds: positive,
    }),
    slaTiers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), tier),
    clientTiers: z.record(z.string().min(1), z.string()),
    defaultTier: z.string(),
    all: apiPolicies,
    apis: z.array(api).min(1),
  })
  .superRefine((file, ctx) => {
    const tiers = new Set(Object.keys(file.slaTiers))
    for (const [client, name] of Object.entries({ ...file.clientTiers, '*': file.defaultTier })) {
      if (!tiers.has(name)) {
        ctx.addIssue({ code: 'custom', message: `tier "${name}" of client "${client}" is unknown` })
      }
    }
    const prefixes = file.apis.map((a) => a.prefix)
    if (new Set(prefixes).size !== prefixes.length) {
      ctx.addIssue({ code: 'custom', message: 'two APIs share a prefix' })
    }
    for (const entry of file.apis) {
      for (const client of entry.anonymous?.clients ?? []) {
        if (!entry.clients.includes(client)) {
          ctx.addIssue({
            code: 'custom',
            message: `anonymous client "${client}" of API "${entry.name}" is not one of its clients`,
          })
        }
      }
      for (const route of entry.anonymous?.routes ?? []) {
        if (!route.path.startsWith(`${entry.prefix}/`)) {
          ctx.addIssue({
            code: 'custom',
            message: `anonymous route ${route.path} is outside API "${entry.name}"`,
          })
        }
      }
    }
  })

/** The validated policy file. */
export type PolicyFile = z.infer<typeof policyFile>

/** One API with the automated policies merged in: everything a request to it is checked with. */
export interface ApiPolicy extends z.infer<typeof apiPolicies> {
  readonly name: string
  readonly prefix: string
  readonly upstream: string
  readonly clients: readonly string[]
  /** Routes open to user-less tokens of some clients (anonymous browsing); none if absent. */
  readonly anonymous?: z.infer<typeof anonymous>
}

/** Thrown when the policy file is missing or invalid; the message names every problem. */
export class PolicyFileError extends Error {
  readonly code = 'ERR_GATEWAY_POLICY_FILE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
  }
}

/** The policy file shipped with the gateway. */
export const DEFAULT_POLICY_FILE = new URL('../policies.json', import.meta.url)

/**
 * Validates a parsed policy document, or throws a {@link PolicyFileError} naming each problem.
 *
 * @example
 * ```ts
 * const policies = parsePolicyFile(JSON.parse(text))
 * ```
 */
export function parsePolicyFile(document: unknown): PolicyFile {
  const result = policyFile.safeParse(document)
  if (result.success) return result.data
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
  throw new PolicyFileError(`invalid gateway policy file: ${problems.join('; ')}`)
}

/**
 * Reads and validates the policy file at `path`.
 *
 * @example
 * ```ts
 * const policies = loadPolicyFile(DEFAULT_POLICY_FILE)
 * ```
 */
export function loadPolicyFile(path: URL | string): PolicyFile {
  let document: unknown
  try {
    document = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new PolicyFileError(`gateway policy file ${String(path)} is unreadable`, { cause })
  }
  return parsePolicyFile(document)
}

/**
 * The effective policies of each API: the automated ones of `all`, replaced member by member by
 * the API's own.
 *
 * @example
 * ```ts
 * effectiveApis(policies).find((api) => api.name === 'assistant')?.spike // its own spike limit
 * ```
 */
export function effectiveApis(file: PolicyFile): readonly ApiPolicy[] {
  return file.apis.map((entry) => ({
    ipFilter: entry.ipFilter ?? file.all.ipFilter,
    cors: entry.cors ?? file.all.cors,
    spike: entry.spike ?? file.all.spike,
    json: entry.json ?? file.all.json,
    name: entry.name,
    prefix: entry.prefix,
    upstream: entry.upstream,
    clients: entry.clients,
    ...(entry.anonymous ? { anonymous: entry.anonymous } : {}),
  }))
}
