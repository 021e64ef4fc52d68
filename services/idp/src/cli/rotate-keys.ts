/**
 * `pnpm keys:rotate idp`: rotate the retail IdP's signing key in the local stack's secrets
 * (see `src/keys/rotate.ts`), then restart the IdP (`pnpm stack:down && pnpm stack:up`) so it
 * signs with the new key.
 */
import { stackPaths } from '@mythical/stack'
import { rotateSigningKeys } from '../keys/rotate.ts'

const target = process.argv[2] ?? 'idp'
if (target !== 'idp') {
  process.stderr.write(`keys:rotate: only "idp" can be rotated here, not "${target}"\n`)
  process.exit(2)
}
const paths = stackPaths()
const report = await rotateSigningKeys(paths.secrets('idp'), paths.publicJwks('retail', 'idp'))
process.stdout.write(
  [
    `idp signing key rotated: new kid ${report.current}`,
    `published: ${report.published.join(', ')}`,
    `retired: ${report.retired.join(', ') || '(none)'}`,
    'restart the idp to sign with the new key',
    '',
  ].join('\n'),
)
