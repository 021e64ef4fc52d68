import { randomUUID } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'

/** Owner-only directory: secrets folders and the CA's `private/`. */
export const PRIVATE_DIR_MODE = 0o700
/** Owner read/write only: private keys, private JWKs. */
export const PRIVATE_FILE_MODE = 0o600
/** Public material everyone may read: CA certificates, public JWKS. */
export const PUBLIC_DIR_MODE = 0o755
export const PUBLIC_FILE_MODE = 0o644

/**
 * Creates `dir` (and parents) and forces its mode: `mkdir`'s mode is filtered by the umask and
 * ignored for directories that already exist, so an older, looser folder is tightened as well.
 */
export async function ensureDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode })
  await chmod(dir, mode)
}

/**
 * Writes `content` to `path` with `mode`, atomically: a temporary file is created with the final
 * mode before any byte is written (a secret is never world-readable, not even briefly) and then
 * renamed over the target, so a reader never sees a half-written key.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`
  await writeFile(temporary, content, { mode, flag: 'wx' })
  await chmod(temporary, mode)
  await rename(temporary, path)
}

/** Writes only when the content differs (into an existing folder), then forces the mode. */
export async function syncFile(path: string, content: string, mode: number): Promise<void> {
  if ((await readIfExists(path)) !== content) await writeFileAtomic(path, content, mode)
  await chmod(path, mode)
}

/** The file's text, or `undefined` when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
