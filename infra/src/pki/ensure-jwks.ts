import { join } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { SECRET_FILES, type StackPaths } from '@mythical/stack'
import type { Outcome } from './ensure-ca.ts'
import { InvalidStoredJwk } from './errors.ts'
import {
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  readIfExists,
  syncFile,
  writeFileAtomic,
} from './files.ts'
import type { PkiIdentity } from './identities.ts'

/** The two application keys of a service, as stored in its secrets folder. */
const KEYS = [
  { file: SECRET_FILES.signingKey, alg: 'ES256', use: 'sig' },
  { file: SECRET_FILES.encryptionKey, alg: 'ECDH-ES+A256KW', use: 'enc' },
] as const
type KeySpec = (typeof KEYS)[number]

/** Public members of an EC JWK plus its metadata: everything but the private `d`. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'] as const

/**
 * Keeps a service's private JWKs (ES256 signing, ECDH-ES+A256KW encryption, both P-256, `kid` =
 * RFC 7638 thumbprint) in its secrets folder and publishes their public halves as
 * `pki/<domain>/jwks/<service>.json`. Keys are generated once and kept: rotation is deliberate,
 * not a side effect of re-running the PKI. The public JWKS is rewritten from the private keys on
 * every run, so it can never drift from them. Both folders must exist.
 */
export async function ensureJwks(paths: StackPaths, identity: PkiIdentity): Promise<Outcome> {
  const dir = paths.secrets(identity.name)
  const publicKeys: JWK[] = []
  let generated = 0
  for (const spec of KEYS) {
    const path = join(dir, spec.file)
    const stored = await readIfExists(path)
    let jwk: JWK
    if (stored === undefined) {
      jwk = await generateJwk(spec)
      await writeFileAtomic(path, `${JSON.stringify(jwk, null, 2)}\n`, PRIVATE_FILE_MODE)
      generated += 1
    } else {
      jwk = await parseStoredJwk(stored, spec, path)
      await syncFile(path, stored, PRIVATE_FILE_MODE)
    }
    publicKeys.push(Object.fromEntries(PUBLIC_MEMBERS.map((member) => [member, jwk[member]])))
  }
  const jwks = `${JSON.stringify({ keys: publicKeys }, null, 2)}\n`
  await syncFile(paths.publicJwks(identity.domain, identity.name), jwks, PUBLIC_FILE_MODE)
  if (generated === 0) return 'kept'
  return generated === KEYS.length ? 'issued' : 'renewed'
}

async function generateJwk(spec: KeySpec): Promise<JWK> {
  const { privateKey } = await generateKeyPair(spec.alg, { crv: 'P-256', extractable: true })
  const jwk = await exportJWK(privateKey)
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256'), alg: spec.alg, use: spec.use }
}

/** Accepts a stored JWK only if it is exactly the kind of key its file name promises. */
async function parseStoredJwk(text: string, spec: KeySpec, path: string): Promise<JWK> {
  let jwk: JWK
  try {
    jwk = JSON.parse(text) as JWK
    await importJWK(jwk, spec.alg)
  } catch (cause) {
    throw new InvalidStoredJwk(`${path} is not a valid JWK; delete it to generate a new key`, {
      cause,
    })
  }
  const expected: JWK = { kty: 'EC', crv: 'P-256', alg: spec.alg, use: spec.use }
  for (const member of ['kty', 'crv', 'alg', 'use'] as const) {
    if (jwk[member] !== expected[member]) {
      throw new InvalidStoredJwk(`${path}: "${member}" must be "${expected[member]}"`)
    }
  }
  if (typeof jwk.d !== 'string') throw new InvalidStoredJwk(`${path}: private member "d" missing`)
  if (jwk.kid !== (await calculateJwkThumbprint(jwk, 'sha256'))) {
    throw new InvalidStoredJwk(`${path}: "kid" must be the RFC 7638 thumbprint of the key`)
  }
  return jwk
}
