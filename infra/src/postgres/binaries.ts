import { access, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { PostgresBinariesNotFound } from './errors.ts'

/** Where Debian's `postgresql-<major>` packages install their server binaries. */
export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql'

const REQUIRED = ['postgres', 'initdb', 'pg_ctl'] as const

/** The server binaries of one installed PostgreSQL major version. */
export interface PostgresBinaries {
  major: number
  initdb: string
  pgCtl: string
}

/**
 * Finds the newest installed PostgreSQL server (`<root>/<major>/bin` holding `postgres`,
 * `initdb` and `pg_ctl`). Only the binaries are used: the machine's own cluster is never touched.
 *
 * @throws `PostgresBinariesNotFound` when no version has all three.
 */
export async function findPostgresBinaries(root = DEBIAN_POSTGRES_ROOT): Promise<PostgresBinaries> {
  const entries = await readdir(root).catch(() => [] as string[])
  const majors = entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .sort((a, b) => b - a)
  for (const major of majors) {
    const bin = join(root, String(major), 'bin')
    const complete = await Promise.all(
      REQUIRED.map((name) =>
        access(join(bin, name)).then(
          () => true,
          () => false,
        ),
      ),
    )
    if (complete.every(Boolean)) {
      return { major, initdb: join(bin, 'initdb'), pgCtl: join(bin, 'pg_ctl') }
    }
  }
  throw new PostgresBinariesNotFound(
    'PostgreSQL server binaries not found: install the Debian package postgresql',
  )
}
