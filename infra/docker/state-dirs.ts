/**
 * Image build step (node-service.Dockerfile): creates the mount points of the pki-init volumes —
 * `/app/.stack` (its private state) and `/export/pki`, `/export/secrets/<identity>` for every
 * identity of the PKI. Docker creates a fresh named volume with the owner and mode of the
 * directory it is first mounted over, so these are what let the unprivileged pki-init job write
 * into its volumes. Read off the same manifest as compose.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { EXPORT_DIR } from '../src/compose/volumes.ts'
import { stackPaths } from '@mythical/stack'
import { pkiIdentities } from '../src/pki/identities.ts'

mkdirSync(stackPaths().stack, { recursive: true, mode: 0o755 })
mkdirSync(join(EXPORT_DIR, 'pki'), { recursive: true, mode: 0o755 })
for (const { name } of pkiIdentities()) {
  mkdirSync(join(EXPORT_DIR, 'secrets', name), { recursive: true, mode: 0o700 })
}
