import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { COMPOSE_MOUNTS, REPO_ROOT } from '@mythical/stack'
import {
  ADVANCED_CONFIG_TARGET,
  BROKER_ADVANCED_CONFIG_FILE,
  BROKER_TLS_REGENERATE_COMMAND,
  renderBrokerAdvancedConfig,
  VERIFY_MODULE_EBIN,
  VERIFY_MODULE_SOURCE,
  VERIFY_MODULE_TARGET,
} from '../../../src/compose/broker-tls.ts'
import { rabbitmqService } from '../../../src/compose/infrastructure-services.ts'
import { VERIFY_MODULE } from '../../../src/rabbitmq/anchor-constraints.ts'

const broker = rabbitmqService()
const bindTargets = new Map(
  (broker.volumes ?? []).filter((v) => v.type === 'bind').map((v) => [v.source, v.target]),
)

describe('compose broker: the CAs’ name constraints (verify_fun)', () => {
  it('checks in the advanced.config the generator produces (no drift)', () => {
    const checkedIn = readFileSync(join(REPO_ROOT, BROKER_ADVANCED_CONFIG_FILE), 'utf8')
    assert.equal(
      checkedIn,
      renderBrokerAdvancedConfig(),
      `${BROKER_ADVANCED_CONFIG_FILE} has drifted: run \`${BROKER_TLS_REGENERATE_COMMAND}\``,
    )
  })

  it('names the module as verify_fun, with the mounted CA bundle as its anchors', () => {
    const bundle = `${COMPOSE_MOUNTS.pki}/ca-bundle.pem`
    assert.ok(
      renderBrokerAdvancedConfig().includes(
        `{verify_fun, {${VERIFY_MODULE}, verify, ${JSON.stringify(bundle)}}}`,
      ),
    )
  })

  it('mounts the config and the module source read-only, compiles it before the broker starts', () => {
    assert.equal(bindTargets.get(`./${BROKER_ADVANCED_CONFIG_FILE}`), ADVANCED_CONFIG_TARGET)
    assert.equal(bindTargets.get(`./${VERIFY_MODULE_SOURCE}`), VERIFY_MODULE_TARGET)
    assert.ok((broker.volumes ?? []).filter((v) => v.type === 'bind').every((v) => v.read_only))
    const script = (broker.command ?? []).join(' ')
    assert.match(
      script,
      new RegExp(`erlc .*-o ${VERIFY_MODULE_EBIN} ${VERIFY_MODULE_TARGET} && exec`),
    )
    assert.match(script, /exec docker-entrypoint\.sh rabbitmq-server$/)
    assert.equal(
      broker.environment?.RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS,
      `-pa ${VERIFY_MODULE_EBIN}`,
    )
  })

  it('compiles into the private /tmp (the root filesystem is read-only)', () => {
    assert.ok(VERIFY_MODULE_EBIN.startsWith('/tmp/'))
    assert.ok(broker.tmpfs?.some((mount) => mount.startsWith('/tmp:')))
    assert.equal(broker.read_only, true)
  })
})
