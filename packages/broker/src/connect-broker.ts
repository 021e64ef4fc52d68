import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { connect, credentials as saslCredentials } from 'amqplib'
import type { ChannelModel } from 'amqplib'
import { BROKER_SECRET_FILES, readBrokerCredentials } from './credentials.ts'
import { BrokerConnectionFailed, BrokerCredentialsInvalid } from './errors.ts'

export interface ConnectBrokerOptions {
  /** Shown by `rabbitmqctl list_connections client_properties`. Default: the secrets folder name. */
  clientName?: string
  /**
   * PEM file of the CA that issued the *broker's* certificate; only that CA is trusted.
   * Default: `<secretsDir>/ca.pem`, the service's own domain CA, which is right for retail
   * services. A partner service (shipping-api) passes the retail CA, `<PKI_DIR>/retail/ca.pem`.
   */
  serverCaFile?: string
  /**
   * Network location of the broker when it differs from `amqp.json` `host` (e.g. `rabbitmq` inside
   * compose). The broker's certificate must name it (DNS or IP SAN).
   */
  host?: string
  /**
   * Virtual host to open instead of `amqp.json` `vhost`, e.g. the integration tests' own
   * `mythical-consumer-tests`. The broker's permissions for the user on that vhost still apply.
   */
  vhost?: string
  /** Milliseconds for TLS + AMQP handshake. Default: 10000. */
  timeoutMs?: number
}

/**
 * The first URI SAN of a PEM certificate: the name RabbitMQ's `ssl_cert_login_san_type = uri`,
 * `ssl_cert_login_san_index = 0` logs the connection in as.
 */
function firstUriSan(pem: Buffer): string | undefined {
  const san = new X509Certificate(pem).subjectAltName ?? ''
  return /(?:^|, )URI:([^,]+)/.exec(san)?.[1]
}

/** Default handshake timeout: a broker that does not answer in 10 s is treated as down. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * Opens an authenticated AMQP connection for the service whose secrets are in `secretsDir`:
 *
 * - `amqps` only, TLS 1.2+, the broker's certificate must chain to the pinned CA and name the host
 *   being dialled (Node's hostname/IP check, never disabled)
 * - mutual TLS: the service's workload certificate (`tls.crt` / `tls.key`) is presented
 * - SASL EXTERNAL: that certificate is the only credential; the broker takes its first URI SAN
 *   (the SPIFFE id) as the user name. No password exists. `amqp.json` `username` must be that
 *   SPIFFE id: checked here first, so a mismatched secrets folder fails with a clear error
 *
 * Attach an `'error'` listener to the returned connection and to every channel: amqplib emits
 * `'error'` when the broker closes them (e.g. ACCESS_REFUSED), and an unhandled `'error'` throws.
 *
 * @throws {BrokerCredentialsInvalid} `amqp.json` is missing or malformed, or names another user
 *   than the certificate.
 * @throws {BrokerConnectionFailed} handshake or login refused; `cause` has the detail.
 *
 * @example
 * ```ts
 * const conn = await connectBroker(config.secretsDir, { clientName: 'customers-api' })
 * conn.on('error', (err) => log.error({ err }, 'broker connection error'))
 * const ch = await conn.createChannel()
 * await ch.consume('customers-api.order-placed', onMessage)
 * ```
 */
export async function connectBroker(
  secretsDir: string,
  opts: ConnectBrokerOptions = {},
): Promise<ChannelModel> {
  const { timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS } = opts
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('"timeoutMs" option must be a positive integer')
  }
  if (opts.host !== undefined && (typeof opts.host !== 'string' || opts.host === '')) {
    throw new TypeError('"host" option must be a non-empty string')
  }
  if (opts.vhost !== undefined && (typeof opts.vhost !== 'string' || opts.vhost === '')) {
    throw new TypeError('"vhost" option must be a non-empty string')
  }
  const stored = await readBrokerCredentials(secretsDir)
  const credentials = {
    ...stored,
    host: opts.host ?? stored.host,
    vhost: opts.vhost ?? stored.vhost,
  }
  const [cert, key, ca] = await Promise.all([
    readFile(join(secretsDir, BROKER_SECRET_FILES.tlsCert)),
    readFile(join(secretsDir, BROKER_SECRET_FILES.tlsKey)),
    readFile(opts.serverCaFile ?? join(secretsDir, BROKER_SECRET_FILES.ca)),
  ])
  const certifiedAs = firstUriSan(cert)
  if (certifiedAs !== credentials.username) {
    throw new BrokerCredentialsInvalid(
      `amqp.json names broker user ${credentials.username}, but the certificate carries ` +
        `${certifiedAs ?? 'no URI SAN'}: re-provision the broker (pnpm stack:up)`,
    )
  }
  try {
    return await connect(
      {
        protocol: 'amqps',
        hostname: credentials.host,
        port: credentials.port,
        vhost: credentials.vhost,
      },
      {
        credentials: saslCredentials.external(),
        cert,
        key,
        ca,
        minVersion: 'TLSv1.2',
        timeout: timeoutMs,
        clientProperties: { connection_name: opts.clientName ?? basename(secretsDir) },
      },
    )
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new BrokerConnectionFailed(
      `cannot connect to the broker at ${credentials.host}:${credentials.port} as ` +
        `${credentials.username}: ${reason}`,
      { cause },
    )
  }
}
