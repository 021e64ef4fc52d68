/**
 * Regenerates `infra/docker/rabbitmq-advanced.config` (the compose broker's TLS options):
 * `pnpm exec node infra/src/compose/write-broker-tls.ts`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@mythical/stack'
import { BROKER_ADVANCED_CONFIG_FILE, renderBrokerAdvancedConfig } from './broker-tls.ts'

const file = join(REPO_ROOT, BROKER_ADVANCED_CONFIG_FILE)
writeFileSync(file, renderBrokerAdvancedConfig())
console.log(`wrote ${file}`)
