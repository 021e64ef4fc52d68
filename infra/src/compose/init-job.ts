/**
 * Entry point of the compose `pki-init` job: the same `ensurePki` as `pnpm pki`, run in the
 * job's private state volume (`/app/.stack`, where `stackPaths()` points inside the image; a
 * second `up` renews, never re-keys a CA), then the broker's users and definitions
 * (`exportBrokerCredentials`, passwords kept in the state volume across `up`s), then `exportPki`
 * into the volumes the other containers mount.
 */
import { stackPaths } from '@mythical/stack'
import { ensurePki } from '../pki/index.ts'
import { exportBrokerCredentials } from './export-broker.ts'
import { exportPki } from './export-pki.ts'
import { EXPORT_DIR } from './volumes.ts'

const paths = stackPaths()
const { issued, renewed, kept } = await ensurePki(paths)
console.log(`pki-init: ${issued.length} issued, ${renewed.length} renewed, ${kept.length} kept`)
const usernames = await exportBrokerCredentials(paths)
console.log(`pki-init: broker definitions with ${usernames.length} users`)
exportPki(paths, EXPORT_DIR)
console.log(`pki-init: exported the public PKI and every secrets folder to ${EXPORT_DIR}`)
