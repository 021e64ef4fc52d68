import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DependencyCycleError, UnknownDependencyError } from '../../../src/runner/errors.ts'
import { startOrder, stopOrder } from '../../../src/runner/start-order.ts'
import { SERVICES, serviceByName, type ServiceDefinition } from '@mythical/stack'

const service = (name: string, dependsOn: string[]): ServiceDefinition => ({
  ...serviceByName('orders-api'),
  name,
  dependsOn,
})

describe('startOrder', () => {
  it('starts every manifest service once, after all of its service dependencies', () => {
    const order = startOrder(SERVICES).map((s) => s.name)
    assert.equal(order.length, SERVICES.length)
    assert.equal(new Set(order).size, SERVICES.length)
    for (const s of SERVICES) {
      for (const dependency of s.dependsOn) {
        if (dependency === 'postgres' || dependency === 'rabbitmq') continue
        assert.ok(
          order.indexOf(dependency) < order.indexOf(s.name),
          `${dependency} must start before ${s.name}`,
        )
      }
    }
  })

  it('keeps manifest order among independent services', () => {
    const order = startOrder([service('b', []), service('a', []), service('c', ['a'])])
    assert.deepEqual(
      order.map((s) => s.name),
      ['b', 'a', 'c'],
    )
  })

  it('stops in the reverse order', () => {
    assert.deepEqual(
      stopOrder(SERVICES).map((s) => s.name),
      startOrder(SERVICES)
        .map((s) => s.name)
        .reverse(),
    )
  })

  it('orders a subset for stopping, ignoring dependencies outside it', () => {
    const started = ['web', 'orders-api', 'gateway', 'idp'].map(serviceByName)
    assert.deepEqual(
      stopOrder(started).map((s) => s.name),
      ['web', 'gateway', 'orders-api', 'idp'],
    )
  })

  it('rejects a cycle and names the services in it', () => {
    assert.throws(
      () =>
        startOrder([
          service('a', ['c']),
          service('b', ['a']),
          service('c', ['b']),
          service('d', []),
        ]),
      (error: unknown) => {
        assert.ok(error instanceof DependencyCycleError)
        assert.equal(error.code, 'ERR_RUNNER_DEPENDENCY_CYCLE')
        assert.equal(error.message, 'dependency cycle among: a, b, c')
        return true
      },
    )
  })

  it('rejects a self-dependency as a cycle', () => {
    assert.throws(() => startOrder([service('a', ['a'])]), {
      code: 'ERR_RUNNER_DEPENDENCY_CYCLE',
    })
  })

  it('rejects a dependency on something unknown', () => {
    assert.throws(
      () => startOrder([service('a', ['redis'])]),
      (error: unknown) => {
        assert.ok(error instanceof UnknownDependencyError)
        assert.equal(error.code, 'ERR_RUNNER_UNKNOWN_DEPENDENCY')
        assert.equal(error.message, 'a depends on unknown "redis"')
        return true
      },
    )
  })
})
