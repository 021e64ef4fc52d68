import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { postgresService } from '../../../src/compose/infrastructure-services.ts'
import {
  PG_IDENT_FILE,
  PG_IDENT_REGENERATE_COMMAND,
  PG_IDENT_TARGET,
} from '../../../src/compose/pg-ident-file.ts'
import { REPO_ROOT } from '@mythical/stack'
import { renderIdentFile } from '../../../src/postgres/ident-map.ts'

describe('infra/docker/pg_ident.conf', () => {
  it('is what the generator produces from the manifest (no drift)', () => {
    const checkedIn = readFileSync(join(REPO_ROOT, PG_IDENT_FILE), 'utf8')
    assert.equal(
      checkedIn,
      renderIdentFile(),
      `${PG_IDENT_FILE} is out of date with infra/src/stack.ts: run \`${PG_IDENT_REGENERATE_COMMAND}\``,
    )
  })

  it('is mounted read-only into postgres and configured as its ident_file', () => {
    const postgres = postgresService()
    assert.ok(
      postgres.volumes?.some(
        (v) =>
          typeof v === 'object' &&
          v.type === 'bind' &&
          v.source === `./${PG_IDENT_FILE}` &&
          v.target === PG_IDENT_TARGET &&
          v.read_only === true,
      ),
    )
    assert.ok(postgres.command?.includes(`ident_file=${PG_IDENT_TARGET}`))
  })
})
