import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { stackPaths, serviceByName } from '@mythical/stack'
import { newStackState } from '../../../src/runner/bring-up.ts'
import {
  hostUrl,
  infrastructureRecord,
  readStackManifest,
  removeStackManifest,
  serviceRecord,
  writeStackManifest,
} from '../../../src/runner/manifest-file.ts'
import { ownedInfrastructure, ownedNames } from '../../../src/runner/owned-infrastructure.ts'

const root = mkdtempSync(join(tmpdir(), 'runner-manifest-'))
after(() => rmSync(root, { recursive: true, force: true }))

describe('stack.json', () => {
  it('gives edge services their public localhost URL and internal ones the loopback address', () => {
    assert.equal(hostUrl(serviceByName('gateway')), 'https://localhost:8443')
    assert.equal(hostUrl(serviceByName('idp')), 'https://localhost:4000')
    assert.equal(hostUrl(serviceByName('orders-api')), 'https://127.0.0.1:7104')
  })

  it('records name, URL, trust domain, exposure, workload id, secrets and pid', () => {
    assert.deepEqual(serviceRecord(serviceByName('tokenization-api'), 42), {
      name: 'tokenization-api',
      url: 'https://127.0.0.1:7201',
      domain: 'cardvault',
      exposure: 'internal',
      workloadId: 'spiffe://cardvault.mythical.example/tokenization-api',
      // The third party holds no broker credentials of ours; its database login is the vault's own.
      secrets: [
        'tls.crt',
        'tls.key',
        'ca.pem',
        'signing-key.jwk.json',
        'encryption-key.jwk.json',
        'data-key.jwk.json',
        'database.json',
      ],
      pid: 42,
    })
  })

  it('lists database and broker credentials only for services that have them', () => {
    const secretsOf = (name: string) => serviceRecord(serviceByName(name), 1).secrets
    assert.ok(secretsOf('customers-api').includes('database.json'))
    assert.ok(secretsOf('customers-api').includes('amqp.json'))
    assert.ok(secretsOf('orders-api').includes('database.json'))
    assert.ok(!secretsOf('orders-api').includes('amqp.json'))
    assert.ok(!secretsOf('gateway').includes('database.json'))
  })

  it('round-trips through .stack/stack.json and is gone after removal', () => {
    const paths = stackPaths(root)
    assert.equal(readStackManifest(paths), undefined)
    const manifest = {
      startedAt: '2026-01-01T00:00:00.000Z',
      mode: 'detached' as const,
      services: [serviceRecord(serviceByName('idp'), 7)],
      infrastructure: [
        infrastructureRecord('postgres', true),
        infrastructureRecord('rabbitmq', false),
      ],
    }
    writeStackManifest(paths, manifest)
    assert.deepEqual(readStackManifest(paths), manifest)
    assert.deepEqual(manifest.infrastructure[0], {
      name: 'postgres',
      port: 55432,
      startedByStack: true,
    })
    removeStackManifest(paths)
    assert.equal(readStackManifest(paths), undefined)
  })
})

describe('ownedInfrastructure', () => {
  it('owns what this run started', () => {
    const state = newStackState()
    state.infrastructureStarted.postgres = true
    assert.deepEqual(ownedNames(ownedInfrastructure(state)), ['postgres'])
  })

  it('keeps owning what an earlier stack:up started, even though it is now "already running"', () => {
    const previous = {
      startedAt: '',
      mode: 'detached' as const,
      services: [],
      infrastructure: [
        infrastructureRecord('postgres', false),
        infrastructureRecord('rabbitmq', true),
      ],
    }
    assert.deepEqual(ownedNames(ownedInfrastructure(newStackState(), previous)), ['rabbitmq'])
  })

  it('owns nothing that someone else started', () => {
    assert.deepEqual(ownedNames(ownedInfrastructure(newStackState())), [])
  })
})
