/**
 * Reading a service's own secret files (`SECRETS_DIR`). Errors name the file and never include
 * its content: parser messages and `cause`s are dropped because they can quote the input.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { ZodType } from 'zod'
import { auditSecretAccessDenied } from './secret-access-audit.ts'

/** Stable codes of {@link SecretFileError}. */
export type SecretFileErrorCode =
  | 'ERR_SECRET_NAME_INVALID'
  | 'ERR_SECRET_MISSING'
  | 'ERR_SECRET_UNREADABLE'
  | 'ERR_SECRET_ACCESS_DENIED'
  | 'ERR_SECRET_EMPTY'
  | 'ERR_SECRET_INVALID'

/** A secret file could not be used; `file` is its path. */
export class SecretFileError extends Error {
  readonly code: SecretFileErrorCode
  readonly file: string

  constructor(code: SecretFileErrorCode, file: string, message: string) {
    super(message)
    this.name = this.constructor.name
    this.code = code
    this.file = file
  }
}

/**
 * Reads `<secretsDir>/<file>` as UTF-8. `file` must be a bare file name: a service reads only
 * its own folder, so `../orders-api/tls.key` is refused before touching the disk. A read the
 * runtime refuses (Node's permission model, `ERR_ACCESS_DENIED`: the folder is another
 * service's) is audited on TB13 and thrown as `ERR_SECRET_ACCESS_DENIED`.
 *
 * @example
 * ```ts
 * const key = readSecretFile(config.SECRETS_DIR, SECRET_FILES.tlsKey)
 * ```
 */
export function readSecretFile(secretsDir: string, file: string): string {
  if (file === '' || basename(file) !== file || file === '.' || file === '..') {
    throw new SecretFileError(
      'ERR_SECRET_NAME_INVALID',
      file,
      `Secret file name "${file}" must be a bare file name`,
    )
  }
  const path = join(secretsDir, file)
  let content: string
  try {
    content = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new SecretFileError('ERR_SECRET_MISSING', path, `Secret file ${path} does not exist`)
    }
    if (code === 'ERR_ACCESS_DENIED') {
      auditSecretAccessDenied()
      throw new SecretFileError(
        'ERR_SECRET_ACCESS_DENIED',
        path,
        `Secret file ${path} is outside this process's permissions`,
      )
    }
    throw new SecretFileError(
      'ERR_SECRET_UNREADABLE',
      path,
      `Secret file ${path} cannot be read (${code ?? 'unknown error'})`,
    )
  }
  if (content.trim() === '') {
    throw new SecretFileError('ERR_SECRET_EMPTY', path, `Secret file ${path} is empty`)
  }
  return content
}

/**
 * Reads a JSON secret (e.g. `database.json`) and validates it. Schema messages name the field
 * that is wrong, never its value.
 *
 * @example
 * ```ts
 * const db = readJsonSecret(config.SECRETS_DIR, SECRET_FILES.database, databaseSecretSchema)
 * ```
 */
export function readJsonSecret<T>(secretsDir: string, file: string, schema: ZodType<T>): T {
  const content = readSecretFile(secretsDir, file)
  const path = join(secretsDir, file)
  let json: unknown
  try {
    json = JSON.parse(content)
  } catch {
    // The SyntaxError message quotes the input, so it is deliberately not kept.
    throw new SecretFileError('ERR_SECRET_INVALID', path, `Secret file ${path} is not valid JSON`)
  }
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const fields = result.error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
  throw new SecretFileError('ERR_SECRET_INVALID', path, `Secret file ${path} is invalid: ${fields}`)
}
