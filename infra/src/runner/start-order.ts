/**
 * Start order of the services from their `dependsOn` edges (Kahn's algorithm). Ties keep manifest
 * order so the order is stable run to run. Infrastructure names are not services: the runner
 * brings PostgreSQL and RabbitMQ up before any service, so those edges are already satisfied.
 */
import type { Infrastructure, ServiceDefinition } from '@mythical/stack'
import { DependencyCycleError, UnknownDependencyError } from './errors.ts'

const INFRASTRUCTURE_NAMES: readonly string[] = ['postgres', 'rabbitmq'] satisfies Infrastructure[]

/**
 * Services ordered so that each comes after everything it depends on.
 *
 * @throws {UnknownDependencyError} a `dependsOn` entry names nothing known
 * @throws {DependencyCycleError} the graph has a cycle (the message lists the services in it)
 * @example startOrder(SERVICES)[0].name // 'idp' or another service without service dependencies
 */
export function startOrder(services: readonly ServiceDefinition[]): ServiceDefinition[] {
  const byName = new Map(services.map((s) => [s.name, s]))
  const pending = new Map<string, Set<string>>()
  for (const service of services) {
    const needs = new Set<string>()
    for (const dependency of service.dependsOn) {
      if (INFRASTRUCTURE_NAMES.includes(dependency)) continue
      if (!byName.has(dependency)) {
        throw new UnknownDependencyError(`${service.name} depends on unknown "${dependency}"`)
      }
      needs.add(dependency)
    }
    pending.set(service.name, needs)
  }

  const ordered: ServiceDefinition[] = []
  while (pending.size > 0) {
    const ready = services.find((s) => pending.get(s.name)?.size === 0)
    if (!ready) {
      const stuck = [...pending.keys()].join(', ')
      throw new DependencyCycleError(`dependency cycle among: ${stuck}`)
    }
    ordered.push(ready)
    pending.delete(ready.name)
    for (const needs of pending.values()) needs.delete(ready.name)
  }
  return ordered
}

/**
 * Reverse of the start order: dependants stop before what they depend on. Works on any subset
 * (e.g. the services one run started): edges to services outside it are ignored.
 */
export function stopOrder(services: readonly ServiceDefinition[]): ServiceDefinition[] {
  const names = new Set(services.map((s) => s.name))
  const inSubset = services.map((s) => ({
    ...s,
    dependsOn: s.dependsOn.filter((d) => names.has(d) || INFRASTRUCTURE_NAMES.includes(d)),
  }))
  const order = startOrder(inSubset).map((s) => s.name)
  return order.reverse().map((name) => services.find((s) => s.name === name) as ServiceDefinition)
}
