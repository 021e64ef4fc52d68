import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BrokerCredentialsInvalid } from './errors.ts'

/**
 * File names inside a service's secrets folder that this package reads. The same names as
 * `SECRET_FILES` in `infra/src/paths.ts`, which is the contract.
 */
export const BROKER_SECRET_FILES = {
  amqp: 'amqp.json',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
  ca: 'ca.pem',
} as const

/**
 * Contents of `<secrets>/amqp.json`: where the broker is and the service's own broker user. No
 * secret: the service logs in with its workload certificate (SASL EXTERNAL), and `username` is
 * the SPIFFE id that certificate carries, which the broker reads as the user name.
 */
export interface BrokerCredentials {
  host: string
  port: number
  vhost: string
  username: string
}

const STRING_FIELDS = ['host', 'vhost', 'username'] as const

/**
 * Parses and validates `amqp.json`. Throws {@link BrokerCredentialsInvalid} naming the first bad
 * field. Unknown fields are dropped, a `password` left by an older stack included: it is never
 * read, and the broker accepts no password login anyway.
 *
 * @example
 * ```ts
 * const { username, vhost } = parseBrokerCredentials(await readFile('amqp.json', 'utf8'))
 * ```
 */
export function parseBrokerCredentials(json: string): BrokerCredentials {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (cause) {
    throw new BrokerCredentialsInvalid('amqp.json is not valid JSON', { cause })
  }
  if (typeof value !== 'object' || value === null) {
    throw new BrokerCredentialsInvalid('amqp.json must be a JSON object')
  }
  const record = value as Record<string, unknown>
  for (const field of STRING_FIELDS) {
    const v = record[field]
    if (typeof v !== 'string' || v.length === 0) {
      throw new BrokerCredentialsInvalid(`amqp.json "${field}" must be a non-empty string`)
    }
  }
  const port = record.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BrokerCredentialsInvalid('amqp.json "port" must be an integer between 1 and 65535')
  }
  return {
    host: record.host as string,
    port,
    vhost: record.vhost as string,
    username: record.username as string,
  }
}

/** Reads and validates `<secretsDir>/amqp.json`. */
export async function readBrokerCredentials(secretsDir: string): Promise<BrokerCredentials> {
  const file = join(secretsDir, BROKER_SECRET_FILES.amqp)
  let json: string
  try {
    json = await readFile(file, 'utf8')
  } catch (cause) {
    throw new BrokerCredentialsInvalid(`cannot read ${file}`, { cause })
  }
  return parseBrokerCredentials(json)
}
