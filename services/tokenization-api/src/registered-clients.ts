/**
 * The workloads the vault registered as its clients, read off the call graph (every caller of a
 * `signed-body` hop to the vault): each presents a client certificate of the cardvault CA
 * (`spiffe://cardvault.mythical.example/<caller>`) and signs its requests with its own ES256 key,
 * whose public half it published in `pki/<its domain>/jwks/<caller>.json`. Detokenization answers
 * are encrypted to its published ECDH-ES key.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CALL_GRAPH, serviceByName, workloadId } from '@mythical/stack'
import { importJWK, type CryptoKey, type JWK } from 'jose'

const VAULT = 'tokenization-api'

/** One registered client. */
export interface RegisteredClient {
  /** Manifest name, e.g. `order-fulfillment-api`. */
  readonly name: string
  /** Its certificate's SPIFFE id, issued by the cardvault CA. */
  readonly peerId: string
  /** The `iss` of its requests: its workload id in its own domain. */
  readonly issuer: string
  /** Verifies its request signatures (ES256). */
  readonly verificationKey: CryptoKey
  /** Detokenization answers are encrypted to it (ECDH-ES+A256KW). */
  readonly encryptionKey: CryptoKey
  readonly encryptionKid: string
}

function publishedKey(jwks: { keys?: JWK[] }, use: 'sig' | 'enc', file: string): JWK {
  const jwk = jwks.keys?.find((k) => k.use === use)
  if (!jwk || typeof jwk.kid !== 'string' || 'd' in jwk) {
    throw new TypeError(`${file} publishes no public "${use}" key with a kid`)
  }
  return jwk
}

/**
 * Loads every registered client's published keys, keyed by its cardvault peer id.
 *
 * @example
 * ```ts
 * const clients = await loadRegisteredClients(config.PKI_DIR)
 * clients.get('spiffe://cardvault.mythical.example/order-fulfillment-api')?.name
 * ```
 */
export async function loadRegisteredClients(
  pkiDir: string,
): Promise<ReadonlyMap<string, RegisteredClient>> {
  const vaultDomain = serviceByName(VAULT).domain
  const names = CALL_GRAPH.filter(
    (call) => call.callee === VAULT && call.credential === 'signed-body',
  ).map((call) => call.caller)
  const clients = new Map<string, RegisteredClient>()
  for (const name of names) {
    const domain = serviceByName(name).domain
    const file = join(pkiDir, domain, 'jwks', `${name}.json`)
    const jwks = JSON.parse(readFileSync(file, 'utf8')) as { keys?: JWK[] }
    const sig = publishedKey(jwks, 'sig', file)
    const enc = publishedKey(jwks, 'enc', file)
    clients.set(workloadId(vaultDomain, name), {
      name,
      peerId: workloadId(vaultDomain, name),
      issuer: workloadId(domain, name),
      verificationKey: (await importJWK(sig, 'ES256')) as CryptoKey,
      encryptionKey: (await importJWK(enc, 'ECDH-ES+A256KW')) as CryptoKey,
      encryptionKid: enc.kid as string,
    })
  }
  return clients
}
