/**
 * TB13 enforced by the runtime. Locally every service runs as the same OS user, so file modes
 * cannot keep one service from reading another's keys or the CA private keys. Node's permission
 * model can: each service is started with `--permission` and may read only
 *
 * - code: its own folder (`services/<name>`), the workspace packages and `node_modules` (plus
 *   the pnpm virtual store's real location when it lives elsewhere);
 * - the public PKI: each trust domain's `ca.pem` and public `jwks/`, never `private/`;
 * - its own secrets folder.
 *
 * Nothing else: no write access anywhere (services log to stdout and keep state in PostgreSQL),
 * no child processes, no worker threads, no native addons, no WASI, no inspector. Node 24 has no
 * network permission; the network is guarded by mTLS on every hop instead. A refused read throws
 * `ERR_ACCESS_DENIED`; the secret loader (`@mythical/config`) audits it on TB13.
 */
import { realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { TRUST_DOMAINS, type ServiceDefinition } from '@mythical/stack'

/** What a service's permissions are computed from. */
export interface PermissionOptions {
  /** Repository root (the runner's working directory). */
  readonly root: string
  /** The service's contract environment: `SECRETS_DIR` and `PKI_DIR` are read from it. */
  readonly env: Readonly<Record<string, string>>
}

/**
 * Paths a service may read, in the order they are passed to Node.
 *
 * @example
 * readablePaths(serviceByName('orders-api'), { root, env }) // [<root>/services/orders-api, …, <root>/.stack/secrets/orders-api]
 */
export function readablePaths(service: ServiceDefinition, opts: PermissionOptions): string[] {
  const secrets = requiredVariable(opts.env, 'SECRETS_DIR')
  const pki = requiredVariable(opts.env, 'PKI_DIR')
  const modules = join(opts.root, 'node_modules')
  return [
    ...new Set([
      join(opts.root, serviceFolder(service)),
      join(opts.root, 'packages'),
      modules,
      // pnpm may keep its virtual store outside the checkout; modules resolve to real paths.
      realpathOrSelf(join(modules, '.pnpm')),
      ...TRUST_DOMAINS.flatMap((domain) => [
        join(pki, domain, 'ca.pem'),
        join(pki, domain, 'jwks'),
      ]),
      secrets,
    ]),
  ]
}

/**
 * Node flags confining a service to {@link readablePaths}.
 *
 * @example
 * permissionArguments(service, { root, env }) // ['--permission', '--allow-fs-read=…', …]
 */
export function permissionArguments(service: ServiceDefinition, opts: PermissionOptions): string[] {
  return ['--permission', ...readablePaths(service, opts).map((path) => `--allow-fs-read=${path}`)]
}

/**
 * The code a service may read: `services/<name>` of an entry such as
 * `services/orders-api/src/main.ts`; for an entry elsewhere (the runner's test fixtures) only the
 * entry's own folder.
 */
function serviceFolder(service: ServiceDefinition): string {
  const [top, name] = service.entry.split('/')
  if (top === 'web') return top // the web app at the top level: its pages' build in web/.next too
  return top === 'services' && name ? join(top, name) : dirname(service.entry)
}

function requiredVariable(env: Readonly<Record<string, string>>, name: string): string {
  const value = env[name]
  if (!value) throw new TypeError(`service environment lacks ${name}`)
  return value
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
