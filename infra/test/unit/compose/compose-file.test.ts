import { BROKER_ADVANCED_CONFIG_FILE, brokerEnvironment } from '../../../src/compose/broker-tls.ts'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { hardeningViolations } from '../../../src/compose/check-hardening.ts'
import {
  composeDocument,
  renderCompose,
  REGENERATE_COMMAND,
} from '../../../src/compose/compose-document.ts'
import { POSTGRES_ADMIN_USER } from '../../../src/compose/database-admin.ts'
import { databaseServices } from '../../../src/compose/db-provision-service.ts'
import { DEFINITIONS_FILE } from '../../../src/compose/export-broker.ts'
import { HEALTHCHECK } from '../../../src/compose/node-service.ts'
import { validateComposeSchema } from '../../../src/compose/schema.ts'
import type { ComposeDocument, ComposeService } from '../../../src/compose/types.ts'
import {
  REPO_ROOT,
  COMPOSE_MOUNTS,
  serviceByName,
  serviceEnvironment,
  INFRASTRUCTURE,
  SERVICES,
} from '@mythical/stack'
import { IDENT_MAP } from '../../../src/postgres/ident-map.ts'
import { memoryLimitMib, nodeArguments } from '../../../src/runner/resources.ts'

const checkedIn = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')
const document = parse(checkedIn) as ComposeDocument

/** A deep copy of the checked-in document with one service changed. */
function withService(name: string, change: (service: ComposeService) => ComposeService) {
  const copy = structuredClone(document) as { services: Record<string, ComposeService> }
  const service = copy.services[name]
  assert.ok(service, name)
  copy.services[name] = change(service)
  return copy as ComposeDocument
}

describe('docker-compose.yml', () => {
  it('is what the generator produces from the manifest (no drift)', () => {
    assert.ok(
      checkedIn === renderCompose(),
      `docker-compose.yml is out of date with infra/src/stack.ts: run \`${REGENERATE_COMMAND}\``,
    )
  })

  it('parses back to the generated document', () => {
    assert.deepEqual(document, JSON.parse(JSON.stringify(composeDocument())))
  })

  it('has one service per manifest entry plus pki-init, db-provision, postgres and rabbitmq', () => {
    assert.deepEqual(
      Object.keys(document.services).sort(),
      [...SERVICES.map((s) => s.name), 'pki-init', 'db-provision', 'postgres', 'rabbitmq'].sort(),
    )
  })

  it('hands each service exactly the environment the local runner would, for compose', () => {
    for (const service of SERVICES.filter((s) => s.name !== 'idp')) {
      assert.deepEqual(
        document.services[service.name]?.environment,
        serviceEnvironment(service, { target: 'compose' }),
        service.name,
      )
    }
  })

  it('has the IdP announce its mTLS aliases where containers reach them (the port is unpublished)', () => {
    const idp = serviceByName('idp')
    assert.deepEqual(document.services.idp?.environment, {
      ...serviceEnvironment(idp, { target: 'compose' }),
      IDP_MTLS_PUBLIC_URL: `https://idp:${idp.mtlsPort}`,
    })
    assert.ok(!document.services.idp?.ports?.some((p) => p.includes(`:${idp.mtlsPort}`)))
  })

  it('runs each service entry with its memory budget as both V8 cap and container limit', () => {
    for (const service of SERVICES) {
      const entry = document.services[service.name]
      assert.deepEqual(entry?.command, ['node', ...nodeArguments(service), service.entry])
      assert.equal(entry?.mem_limit, `${memoryLimitMib(service)}m`)
    }
  })

  it('starts a service only after the jobs it needs completed and its dependencies are healthy', () => {
    for (const service of SERVICES) {
      const expected: Record<string, { condition: string }> = {
        'pki-init': { condition: 'service_completed_successfully' },
      }
      if (service.database)
        expected['db-provision'] = { condition: 'service_completed_successfully' }
      for (const dependency of service.dependsOn)
        expected[dependency] = { condition: 'service_healthy' }
      assert.deepEqual(document.services[service.name]?.depends_on, expected, service.name)
    }
  })
})

describe('persistence in compose', () => {
  // Nothing lost: orders, outbox rows and queued events must outlive a container restart.
  const dataMount = (service: string, target: string) =>
    (document.services[service]?.volumes ?? []).find(
      (mount) => typeof mount !== 'string' && mount.target === target,
    )

  for (const [service, target] of [
    ['postgres', '/var/lib/postgresql/data'],
    ['rabbitmq', '/var/lib/rabbitmq'],
  ] as const) {
    it(`keeps ${service} data on a named, writable volume, never on tmpfs`, () => {
      const mount = dataMount(service, target)
      assert.ok(mount && typeof mount !== 'string', `${service} mounts ${target}`)
      assert.equal(mount.type, 'volume')
      assert.equal(mount.read_only, false)
      assert.ok(mount.source && mount.source in (document.volumes ?? {}), 'declared volume')
      const tmpfs = document.services[service]?.tmpfs ?? []
      assert.ok(!tmpfs.some((t) => target.startsWith(t.split(':')[0] ?? '')), 'not on tmpfs')
    })
  }
})

describe('provisioning in compose', () => {
  const completed = { condition: 'service_completed_successfully' }
  const healthy = { condition: 'service_healthy' }

  it('runs db-provision once pki-init completed and PostgreSQL is healthy, without restarts', () => {
    const job = document.services['db-provision']
    assert.deepEqual(job?.command, ['node', 'infra/src/compose/db-provision-job.ts'])
    assert.deepEqual(job?.depends_on, { 'pki-init': completed, postgres: healthy })
    assert.equal(job?.restart, undefined)
  })

  it('makes every service with a database wait for db-provision and a healthy PostgreSQL', () => {
    const withDatabase = SERVICES.filter((s) => s.database !== undefined)
    assert.ok(withDatabase.length > 0)
    for (const service of withDatabase) {
      const dependsOn = document.services[service.name]?.depends_on
      assert.deepEqual(dependsOn?.['db-provision'], completed, service.name)
      assert.deepEqual(dependsOn?.postgres, healthy, service.name)
    }
    for (const service of SERVICES.filter((s) => s.database === undefined)) {
      assert.equal(document.services[service.name]?.depends_on?.['db-provision'], undefined)
    }
  })

  it('makes every broker user wait for pki-init (its amqp.json) and a healthy RabbitMQ', () => {
    const withBroker = SERVICES.filter((s) => s.broker !== undefined)
    assert.ok(withBroker.length > 0)
    for (const service of withBroker) {
      const dependsOn = document.services[service.name]?.depends_on
      assert.deepEqual(dependsOn?.['pki-init'], completed, service.name)
      assert.deepEqual(dependsOn?.rabbitmq, healthy, service.name)
    }
  })

  it('lets only pki-init and db-provision mount more than one secrets volume', () => {
    const several = Object.entries(document.services)
      .filter(
        ([, s]) => s.volumes.filter((v) => /^(secrets-|pki-state$)/.test(v.source)).length > 1,
      )
      .map(([name]) => name)
      .sort()
    assert.deepEqual(several, ['db-provision', 'pki-init'])
  })

  it("has db-provision read the postgres secrets and write only database owners' secrets", () => {
    const volumes = document.services['db-provision']?.volumes ?? []
    assert.deepEqual(
      volumes.filter((v) => v.read_only).map((v) => v.source),
      ['pki', 'secrets-postgres'],
    )
    assert.deepEqual(
      volumes.filter((v) => !v.read_only).map((v) => v.source),
      databaseServices().map((name) => `secrets-${name}`),
    )
    assert.ok(!volumes.some((v) => v.source === 'pki-state'))
  })

  it('boots RabbitMQ from the definitions in its own secrets, with no default user', () => {
    const conf = readFileSync(join(REPO_ROOT, 'infra/docker/rabbitmq.conf'), 'utf8')
    assert.match(
      conf,
      new RegExp(`^load_definitions = ${COMPOSE_MOUNTS.secrets}/${DEFINITIONS_FILE}$`, 'm'),
    )
    const rabbitmq = document.services.rabbitmq
    assert.ok(
      rabbitmq?.volumes.some(
        (v) =>
          v.source === 'secrets-rabbitmq' && v.target === COMPOSE_MOUNTS.secrets && v.read_only,
      ),
    )
    // No credentials in its environment: only the code path of the name-constraint check.
    assert.deepEqual(rabbitmq?.environment, brokerEnvironment())
  })
})

describe('Compose Specification schema', () => {
  it('accepts the checked-in file', () => {
    assert.deepEqual(validateComposeSchema(document), [])
  })

  it('rejects an unknown service key', () => {
    const broken = withService('idp', (s) => ({ ...s, privileged_mode: true }))
    assert.deepEqual(validateComposeSchema(broken), [
      '/services/idp must NOT have additional properties',
    ])
  })

  it('rejects a malformed duration and port', () => {
    const broken = withService('gateway', (s) => ({
      ...s,
      ports: ['localhost:8443'],
      healthcheck: { ...HEALTHCHECK, interval: 'ten seconds' },
    }))
    const errors = validateComposeSchema(broken)
    assert.ok(
      errors.includes('/services/gateway/healthcheck/interval must match format "duration"'),
    )
    assert.ok(errors.includes('/services/gateway/ports/0 must match format "ports"'))
  })

  it('predates volume subpath, which is why each service has a secrets volume of its own', () => {
    const withSubpath = withService('idp', (s) => ({
      ...s,
      volumes: [
        {
          type: 'volume',
          source: 'secrets',
          target: '/run/secrets',
          read_only: true,
          volume: { subpath: 'idp' },
        } as never,
      ],
    }))
    assert.ok(
      validateComposeSchema(withSubpath).includes(
        '/services/idp/volumes/0/volume must NOT have additional properties',
      ),
    )
  })
})

describe('container hardening', () => {
  it('holds for every container of the checked-in file', () => {
    assert.deepEqual(hardeningViolations(document), [])
  })

  it('keeps edge ports on the host loopback and internal ports unpublished', () => {
    for (const service of SERVICES) {
      const ports = document.services[service.name]?.ports
      if (service.exposure === 'edge') {
        assert.deepEqual(ports, [`127.0.0.1:${service.port}:${service.port}`], service.name)
      } else {
        assert.equal(ports, undefined, `${service.name} must not publish a port`)
      }
    }
    for (const infra of ['pki-init', 'db-provision', 'postgres', 'rabbitmq']) {
      assert.equal(document.services[infra]?.ports, undefined, infra)
    }
  })

  it('mounts only its own secrets, read-only, at /run/secrets, and the public PKI', () => {
    for (const service of SERVICES) {
      assert.deepEqual(document.services[service.name]?.volumes, [
        {
          type: 'volume',
          source: `secrets-${service.name}`,
          target: '/run/secrets',
          read_only: true,
        },
        { type: 'volume', source: 'pki', target: '/etc/mythical/pki', read_only: true },
      ])
    }
  })

  const cases: [string, string, (s: ComposeService) => ComposeService, string][] = [
    ['root user', 'orders-api', (s) => ({ ...s, user: '0:0' }), 'orders-api: runs as root'],
    [
      'no user',
      'orders-api',
      (s) => ({ ...s, user: undefined as never }),
      'orders-api: runs as root',
    ],
    [
      'writable root fs',
      'idp',
      (s) => ({ ...s, read_only: false as never }),
      'idp: root filesystem is writable',
    ],
    [
      'capabilities kept',
      'web',
      (s) => ({ ...s, cap_drop: [] as never }),
      'web: does not drop all capabilities',
    ],
    [
      'privilege escalation',
      'gateway',
      (s) => ({ ...s, security_opt: [] as never }),
      'gateway: may gain privileges (no-new-privileges missing)',
    ],
    ['no /tmp tmpfs', 'postgres', (s) => ({ ...s, tmpfs: [] }), 'postgres: no /tmp tmpfs'],
    [
      'no healthcheck',
      'rabbitmq',
      (s) => ({ ...s, healthcheck: undefined as never }),
      'rabbitmq: has no healthcheck',
    ],
    [
      'no memory limit',
      'orders-api',
      (s) => ({ ...s, mem_limit: undefined as never }),
      'orders-api: has no memory limit',
    ],
    [
      'internal port published',
      'orders-api',
      (s) => ({ ...s, ports: ['127.0.0.1:7104:7104'] }),
      'orders-api: publishes 127.0.0.1:7104:7104',
    ],
    [
      'edge port on every interface',
      'gateway',
      (s) => ({ ...s, ports: ['8443:8443'] }),
      'gateway: publishes 8443:8443',
    ],
    [
      'mTLS alias published',
      'idp',
      (s) => ({ ...s, ports: [...(s.ports ?? []), '127.0.0.1:4001:4001'] }),
      'idp: publishes 127.0.0.1:4001:4001',
    ],
    [
      'foreign secrets',
      'orders-api',
      (s) => ({
        ...s,
        volumes: [
          ...s.volumes,
          { type: 'volume', source: 'secrets-tokenization-api', target: '/x', read_only: true },
        ],
      }),
      'orders-api: mounts foreign secrets volume secrets-tokenization-api',
    ],
    [
      'CA key',
      'gateway',
      (s) => ({
        ...s,
        volumes: [
          ...s.volumes,
          { type: 'volume', source: 'pki-state', target: '/x', read_only: true },
        ],
      }),
      'gateway: mounts foreign secrets volume pki-state',
    ],
    [
      'writable secrets',
      'web',
      (s) => ({ ...s, volumes: s.volumes.map((v) => ({ ...v, read_only: false })) }),
      'web: mounts its secrets writable',
    ],
    [
      'own secrets missing',
      'customers-api',
      (s) => ({ ...s, volumes: s.volumes.filter((v) => v.source === 'pki') }),
      'customers-api: does not mount its own secrets',
    ],
    [
      'db-provision reading the CA keys',
      'db-provision',
      (s) => ({
        ...s,
        volumes: [
          ...s.volumes,
          { type: 'volume', source: 'pki-state', target: '/x', read_only: true },
        ],
      }),
      'db-provision: mounts foreign secrets volume pki-state',
    ],
    [
      'db-provision writing a service without a database',
      'db-provision',
      (s) => ({
        ...s,
        volumes: [
          ...s.volumes,
          { type: 'volume', source: 'secrets-gateway', target: '/x', read_only: false },
        ],
      }),
      'db-provision: mounts foreign secrets volume secrets-gateway',
    ],
    [
      'db-provision able to change the admin secrets',
      'db-provision',
      (s) => ({
        ...s,
        volumes: s.volumes.map((v) =>
          v.source === 'secrets-postgres' ? { ...v, read_only: false } : v,
        ),
      }),
      'db-provision: mounts secrets-postgres writable',
    ],
    [
      'db-provision as root',
      'db-provision',
      (s) => ({ ...s, user: 'root' }),
      'db-provision: runs as root',
    ],
  ]
  for (const [label, name, change, violation] of cases) {
    it(`reports ${label}`, () => {
      assert.deepEqual(hardeningViolations(withService(name, change)), [violation])
    })
  }
})

describe('static server configuration', () => {
  it('has RabbitMQ listen on the manifest port, TLS only, client certificate required', () => {
    const conf = readFileSync(join(REPO_ROOT, 'infra/docker/rabbitmq.conf'), 'utf8')
    assert.match(
      conf,
      new RegExp(`^listeners\\.ssl\\.default = ${INFRASTRUCTURE.rabbitmq.port}$`, 'm'),
    )
    assert.match(conf, /^listeners\.tcp = none$/m)
    // The TLS options live in advanced.config (a verify_fun cannot be written in rabbitmq.conf).
    assert.doesNotMatch(conf, /^ssl_options\./m)
    const advanced = readFileSync(join(REPO_ROOT, BROKER_ADVANCED_CONFIG_FILE), 'utf8')
    assert.match(advanced, /\{verify, verify_peer\}/)
    assert.match(advanced, /\{fail_if_no_peer_cert, true\}/)
  })

  it('has PostgreSQL accept TCP only over TLS: admin by password + certificate, roles by mapped DN', () => {
    const hba = readFileSync(join(REPO_ROOT, 'infra/docker/pg_hba.conf'), 'utf8')
    const rules = hba
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => line.trim().split(/\s+/))
    const tcp = rules.filter(([type]) => type !== 'local')
    const admin = tcp.filter(([type, , user]) => type === 'hostssl' && user === POSTGRES_ADMIN_USER)
    const workloads = tcp.filter(([type, , user]) => type === 'hostssl' && user === 'all')
    const plain = tcp.filter(([type]) => type === 'hostnossl')
    assert.equal(admin.length + workloads.length + plain.length, tcp.length)
    // First match wins: the admin's password lines must come before the certificate-only ones.
    assert.ok(tcp.indexOf(admin[1] ?? []) < tcp.indexOf(workloads[0] ?? []))
    assert.deepEqual(
      admin.map((rule) => rule.slice(3)),
      [
        ['0.0.0.0/0', 'scram-sha-256', 'clientcert=verify-ca'],
        ['::/0', 'scram-sha-256', 'clientcert=verify-ca'],
      ],
    )
    assert.deepEqual(
      workloads.map((rule) => rule.slice(3)),
      [
        ['0.0.0.0/0', 'cert', 'clientname=DN', `map=${IDENT_MAP}`],
        ['::/0', 'cert', 'clientname=DN', `map=${IDENT_MAP}`],
      ],
    )
    for (const rule of plain) assert.equal(rule.at(-1), 'reject', rule.join(' '))
  })
})
