import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MigrationNameInvalid, MigrationsNotFound } from '../errors.ts'

/** A migration file: `NNNN_lower_snake_name.sql`. */
export const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/

/** One migration file, read. */
export interface MigrationFile {
  name: string
  sql: string
  /** SHA-256 of the file's bytes, hex. */
  checksum: string
}

/**
 * Reads every `.sql` file of `dir`, in name order. Files of other types (a README) are ignored;
 * a `.sql` file with a bad name is an error rather than silently skipped.
 */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (cause) {
    throw new MigrationsNotFound(`migrations folder ${dir} cannot be read`, { cause })
  }
  const sqlNames = names.filter((name) => name.endsWith('.sql')).sort()
  const files: MigrationFile[] = []
  for (const name of sqlNames) {
    if (!MIGRATION_FILE.test(name)) {
      throw new MigrationNameInvalid(
        `migration ${name} in ${dir} must be named NNNN_lower_snake_name.sql`,
      )
    }
    const bytes = await readFile(join(dir, name))
    files.push({
      name,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    })
  }
  return files
}
