import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { SECRET_FILES, type StackPaths } from '@mythical/stack'
import type { Outcome } from './ensure-ca.ts'
import { InvalidStoredJwk } from './errors.ts'
import { PRIVATE_FILE_MODE, readIfExists, syncFile, writeFileAtomic } from './files.ts'
import type { PkiIdentity } from './identities.ts'

/** Size of a data key: 256 bits, the input HKDF-SHA256 derives every purpose key from. */
const DATA_KEY_BYTES = 32

/**
 * Keeps a service's data key (`secrets/<service>/data-key.jwk.json`): a 256-bit `oct` JWK with a
 * random `kid` that versions what is protected with keys derived from it. Generated once and kept
 * across runs — sealed data and pairwise subjects depend on it — and, unlike the key pairs, never
 * published: nothing under `pki/` ever sees it. The secrets folder must exist.
 */
export async function ensureDataKey(paths: StackPaths, identity: PkiIdentity): Promise<Outcome> {
  return ensureOctKey(join(paths.secrets(identity.name), SECRET_FILES.dataKey))
}

/**
 * Keeps a shared secret (`SHARED_SECRETS`): one 256-bit `oct` JWK, the same in every holder's
 * secrets folder. Generated once, then kept; a holder that lacks it (a new holder, a wiped folder)
 * gets a copy of the first holder's. Holders must exist as folders already.
 */
export async function ensureSharedKey(
  paths: StackPaths,
  file: string,
  holders: readonly string[],
): Promise<Outcome> {
  const [first, ...others] = holders.map((holder) => join(paths.secrets(holder), file))
  if (first === undefined) throw new TypeError(`shared secret "${file}" has no holder`)
  const outcome = await ensureOctKey(first)
  const text = (await readIfExists(first)) ?? ''
  for (const path of others) await syncFile(path, text, PRIVATE_FILE_MODE)
  return outcome
}

/** Keeps one 256-bit `oct` JWK at `path`: generated once, then checked and kept. */
async function ensureOctKey(path: string): Promise<Outcome> {
  const stored = await readIfExists(path)
  if (stored !== undefined) {
    checkStoredDataKey(stored, path)
    await syncFile(path, stored, PRIVATE_FILE_MODE)
    return 'kept'
  }
  const jwk = {
    kty: 'oct',
    kid: randomUUID(),
    k: randomBytes(DATA_KEY_BYTES).toString('base64url'),
  }
  await writeFileAtomic(path, `${JSON.stringify(jwk, null, 2)}\n`, PRIVATE_FILE_MODE)
  return 'issued'
}

/**
 * Accepts a stored data key only if it is a 256-bit `oct` JWK with a `kid`. A bad one is not
 * replaced: data sealed with it would become unreadable, so a human decides.
 */
function checkStoredDataKey(text: string, path: string): void {
  let jwk: { kty?: unknown; kid?: unknown; k?: unknown }
  try {
    jwk = JSON.parse(text) as typeof jwk
  } catch (cause) {
    throw new InvalidStoredJwk(`${path} is not valid JSON`, { cause })
  }
  if (jwk.kty !== 'oct') throw new InvalidStoredJwk(`${path}: "kty" must be "oct"`)
  if (typeof jwk.kid !== 'string' || jwk.kid === '') {
    throw new InvalidStoredJwk(`${path}: "kid" missing`)
  }
  if (
    typeof jwk.k !== 'string' ||
    !/^[A-Za-z0-9_-]+$/.test(jwk.k) ||
    Buffer.from(jwk.k, 'base64url').length !== DATA_KEY_BYTES
  ) {
    throw new InvalidStoredJwk(`${path}: "k" must be ${DATA_KEY_BYTES} bytes, base64url`)
  }
}
