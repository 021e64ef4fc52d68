/**
 * A stack service run for a test as its own process, from its real entry point with the
 * environment contract of the runner (`serviceEnvironment`), on ports the test chooses. Tests of
 * one service use another this way — never by importing its source. Its audit records are read
 * from its stdout as they are written.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { Agent, get } from 'node:https'
import { REPO_ROOT, serviceByName, serviceEnvironment } from '@mythical/stack'
import type { WrittenAuditRecord } from '@mythical/audit'
import { captureAudit } from './audit-capture.ts'
import { freePort } from './free-port.ts'
import { paths } from './stack.ts'

export interface ServiceProcess {
  /** The process id (e.g. to read its CPU time). */
  readonly pid: number | undefined
  /**
   * Audit records the service has written so far. They arrive through a pipe: right after this
   * service's own response, wait for the one expected with {@link ServiceProcess.untilAudited}.
   */
  readonly audit: WrittenAuditRecord[]
  /** The records matching `predicate`, once there is at least one (rejects after `timeoutMs`). */
  untilAudited(
    predicate: (record: WrittenAuditRecord) => boolean,
    timeoutMs?: number,
  ): Promise<WrittenAuditRecord[]>
  /** Stops the service (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>
}

/** A client certificate (PEM) to present to a service that requires one, e.g. an internal one. */
export interface ReadinessClientCertificate {
  readonly cert: string
  readonly key: string
}

/** A service's HTTPS URL answering 200, trusting only its trust domain's CA. */
function answers200(
  url: string,
  caPem: string,
  client?: ReadinessClientCertificate,
): Promise<boolean> {
  return new Promise((resolve) => {
    const agent = new Agent({ ca: caPem, keepAlive: false, ...client })
    const req = get(url, { agent }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.setTimeout(2_000, () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

/**
 * Starts `name` with `env` on top of its contract environment and resolves once `readyUrl`
 * answers 200 (fails if the process exits first or after `timeoutMs`). An internal service is
 * asked with `client`, a certificate it accepts.
 *
 * @example
 * ```ts
 * const web = await startServiceProcess('web', { PORT: '41000' }, 'https://localhost:41000/healthz')
 * after(() => web.stop())
 * ```
 */
export async function startServiceProcess(
  name: string,
  env: Readonly<Record<string, string>>,
  readyUrl: string,
  timeoutMs = 30_000,
  client?: ReadinessClientCertificate,
): Promise<ServiceProcess> {
  const service = serviceByName(name)
  const child = spawn(process.execPath, [service.entry], {
    cwd: REPO_ROOT,
    // Cast: Next.js (imported by the web's tests) declares NODE_ENV as a required variable.
    env: { ...serviceEnvironment(service, { target: 'local' }), ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { destination, records } = captureAudit()
  child.stdout.pipe(destination)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)))
  const exited = once(child, 'exit')
  // A test that fails before its cleanup must not leave the service behind.
  const killOnExit = () => child.kill('SIGTERM')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.off('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  }

  const caPem = readFileSync(paths.caCert(service.domain), 'utf8')
  const deadline = Date.now() + timeoutMs
  while (!(await answers200(readyUrl, caPem, client))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`${name} did not become ready at ${readyUrl}: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  async function untilAudited(
    predicate: (record: WrittenAuditRecord) => boolean,
    waitMs = 5_000,
  ): Promise<WrittenAuditRecord[]> {
    const until = Date.now() + waitMs
    for (;;) {
      const found = records.filter(predicate)
      if (found.length > 0) return found
      if (Date.now() > until)
        throw new Error(`${name} wrote no matching audit record in ${waitMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  return { pid: child.pid, audit: records, untilAudited, stop }
}

export interface IdpProcess extends ServiceProcess {
  /** Issuer = edge URL, e.g. `https://localhost:41234`. */
  readonly issuer: string
  /** The mTLS alias (RFC 8705) where workloads authenticate with their certificate. */
  readonly mtlsUrl: string
}

/**
 * The retail IdP as a process on free ports, with the stack's PostgreSQL and keys and the demo
 * accounts seeded (idempotent).
 *
 * @example
 * ```ts
 * const idp = await startIdpProcess()
 * after(() => idp.stop())
 * const signedIn = await signIn(idp.issuer, { username: 'katie', password: 'katie-loves-shopping' })
 * ```
 */
export async function startIdpProcess(
  env: Readonly<Record<string, string>> = {},
): Promise<IdpProcess> {
  const [edge, mtls] = [await freePort(), await freePort()]
  const issuer = `https://localhost:${edge}`
  const mtlsUrl = `https://localhost:${mtls}`
  const run = await startServiceProcess(
    'idp',
    {
      PORT: String(edge),
      MTLS_PORT: String(mtls),
      IDP_ISSUER: issuer,
      SEED_DEMO_DATA: 'true',
      LOG_LEVEL: 'warn',
      ...env,
    },
    `${issuer}/.well-known/openid-configuration`,
  )
  return { ...run, issuer, mtlsUrl }
}
