/**
 * What a raw TLS client meets at an internal listener: it completes the handshake, sends one
 * plain HTTP request, and reports whether any HTTP answer came back. Under TLS 1.3 the server
 * checks the client certificate only after the client considers the handshake done, so a refusal
 * shows up as a TLS alert (`ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`) or a closed connection
 * before a single byte of HTTP — which is exactly what "refused at the handshake" means.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { SECRET_FILES } from '@mythical/stack'

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
