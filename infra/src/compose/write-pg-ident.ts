/**
 * Regenerates `infra/docker/pg_ident.conf` from the stack manifest:
 * `pnpm exec node infra/src/compose/write-pg-ident.ts`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@mythical/stack'
import { renderIdentFile } from '../postgres/ident-map.ts'
import { PG_IDENT_FILE } from './pg-ident-file.ts'

const file = join(REPO_ROOT, PG_IDENT_FILE)
writeFileSync(file, renderIdentFile())
console.log(`wrote ${file}`)
