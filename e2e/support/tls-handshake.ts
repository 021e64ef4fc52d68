/**
 * What a raw TLS client meets at an internal listener: it completes the handshake, sends one
 * plain HTTP request, and reports whether any HTTP answer came back. Under TLS 1.3 the server
 * checks the client certificate only after the client considers the handshake done, so a refusal
 * shows up as a TLS alert (`ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`) or a closed connection
 * before a single byte of HTTP — which is exactly what "refused at the handshake" means.
 *
 * The listener audits the refusal from its TLS layer. A handshake carries no traceparent, so the
 * record starts a trace of its own: it is found as the new record with the expected reason that
 * the service wrote while the handshake ran (the suite runs one test at a time).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect } from 'node:tls'
import { SECRET_FILES } from '@mythical/stack'
import { allAuditRecords, type LoggedDecision } from './audit-log.ts'

export type HandshakeOutcome =
  | { readonly answered: true; readonly statusLine: string }
  | { readonly answered: false; readonly error: string }

/**
 * Connects to `url` trusting `caPem`, presenting the certificate in `certDir` (none when
 * undefined), and asks for `/healthz`.
 */
export function tryHandshake(
  url: string,
  caPem: string,
  certDir: string | undefined,
): Promise<HandshakeOutcome> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      servername: 'localhost',
      ca: caPem,
      ...(certDir
        ? {
            cert: readFileSync(join(certDir, SECRET_FILES.tlsCert), 'utf8'),
            key: readFileSync(join(certDir, SECRET_FILES.tlsKey), 'utf8'),
          }
        : {}),
    })
    socket.setTimeout(5_000, () => {
      resolve({ answered: false, error: 'timeout' })
      socket.destroy()
    })
    socket.on('secureConnect', () => {
      socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n')
    })
    socket.once('data', (chunk: Buffer) => {
      resolve({ answered: true, statusLine: chunk.toString('latin1').split('\r\n')[0] ?? '' })
      socket.destroy()
    })
    socket.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ answered: false, error: err.code ?? err.message }),
    )
    socket.on('close', () => resolve({ answered: false, error: 'closed' }))
  })
}

/** How long a refusal record may take to reach the service's log after the client saw it. */
const RECORD_DELAY_MS = 2_000
const POLL_MS = 50

/**
 * Runs `handshake` against `service` and returns its outcome with the records of `reason` the
 * service wrote meanwhile (waiting until there is one, or the delay has passed: then none).
 *
 * @example
 * ```ts
 * const { outcome, records } = await auditedHandshake('my-shopping-api',
 *   'mtls.handshake_no_certificate', () => tryHandshake(url, caPem, undefined))
 * ```
 */
export async function auditedHandshake(
  service: string,
  reason: string,
  handshake: () => Promise<HandshakeOutcome>,
): Promise<{ outcome: HandshakeOutcome; records: LoggedDecision[] }> {
  const before = allAuditRecords(service).length
  const outcome = await handshake()
  const deadline = Date.now() + RECORD_DELAY_MS
  for (;;) {
    const records = allAuditRecords(service)
      .slice(before)
      .filter((record) => record.reason === reason)
    if (records.length > 0 || Date.now() >= deadline) return { outcome, records }
    await sleep(POLL_MS)
  }
}
