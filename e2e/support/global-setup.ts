/**
 * Playwright global set-up: a running stack (reused, or started and later stopped again), and
 * the stack's CAs trusted by every worker — real certificate verification, no
 * `ignoreHTTPSErrors`. The returned function is Playwright's global teardown.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stackPaths } from '@mythical/stack'
import { chooseRunSourceBlock } from './edge-client.ts'
import { useOrStartStack } from './stack-session.ts'

const paths = stackPaths()

/** Edge services of these domains are what the specs call (retail gateway/IdP, partner). */
const TRUSTED_DOMAINS = ['retail', 'shipping'] as const

/**
 * Node reads `NODE_EXTRA_CA_CERTS` once, when a process starts: set here, before Playwright
 * forks its workers, it makes their `request` fixture trust the stack's CAs (and only adds to
 * the system store, it never turns verification off).
 */
function trustStackCas(): void {
  const bundle = join(paths.stack, 'e2e', 'ca-bundle.pem')
  mkdirSync(join(paths.stack, 'e2e'), { recursive: true })
  writeFileSync(
    bundle,
    TRUSTED_DOMAINS.map((domain) => readFileSync(paths.caCert(domain), 'utf8')).join('\n'),
  )
  process.env.NODE_EXTRA_CA_CERTS = bundle
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const teardown = await useOrStartStack((line) => console.log(line))
  trustStackCas()
  chooseRunSourceBlock()
  return teardown
}
