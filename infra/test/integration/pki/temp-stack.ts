import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stackPaths, type StackPaths } from '@mythical/stack'

/** A throw-away stack root, so tests never touch the repository's own `.stack/`. */
export async function tempStack(): Promise<{ paths: StackPaths; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'mythical-pki-'))
  return { paths: stackPaths(root), remove: () => rm(root, { recursive: true, force: true }) }
}
