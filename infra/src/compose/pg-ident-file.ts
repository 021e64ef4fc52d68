/**
 * The compose copy of `pg_ident.conf`: checked in under `infra/docker/` and bind-mounted into the
 * `postgres` container next to the static `pg_hba.conf`. Its content is `renderIdentFile()` (the
 * same map the local server writes into its data directory); a unit test fails on drift.
 */

/** Repository-relative path of the checked-in file (the bind mount's source is `./<this>`). */
export const PG_IDENT_FILE = 'infra/docker/pg_ident.conf'

/** Where the container reads it (`-c ident_file=…`). */
export const PG_IDENT_TARGET = '/etc/mythical/pg_ident.conf'

/** Regenerates {@link PG_IDENT_FILE} after a manifest change. */
export const PG_IDENT_REGENERATE_COMMAND = 'pnpm exec node infra/src/compose/write-pg-ident.ts'
