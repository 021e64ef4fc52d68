import { principalName, SERVICES, workloadId, type ServiceDefinition } from '@mythical/stack'

/** Name of the `pg_ident.conf` map the workload line of `pg_hba.conf` uses (`map=workloads`). */
export const IDENT_MAP = 'workloads'

/**
 * The subject DN of a service's workload certificate as PostgreSQL compares it with
 * `clientname=DN`: RFC 2253 order, `CN=<last SPIFFE path segment>,O=<trust domain>` (the PKI puts
 * the SPIFFE trust domain in O and the workload name in CN). The full DN, not the CN alone: another
 * domain's CA can issue `CN=orders-api` too, but only retail's carries `O=retail.mythical.example`.
 */
export function workloadDn(service: Pick<ServiceDefinition, 'name' | 'domain'>): string {
  const id = new URL(workloadId(service.domain, service.name))
  return `CN=${id.pathname.slice(1)},O=${id.host}`
}

/**
 * Renders `pg_ident.conf`: one exact line per service with a `database`, mapping its certificate's
 * DN to its own role and nothing else, so a certificate opens exactly one role. Quoted because
 * the DN contains a comma, which would otherwise split the token.
 */
export function renderIdentFile(services: readonly ServiceDefinition[] = SERVICES): string {
  const lines = services
    .filter((service) => service.database !== undefined)
    .map((service) => `${IDENT_MAP}  "${workloadDn(service)}"  ${principalName(service.name)}`)
  return `# Generated from infra/src/stack.ts by infra/src/postgres/ident-map.ts: do not edit.
# Compose copy: pnpm exec node infra/src/compose/write-pg-ident.ts
# Workload certificate subject DN (RFC 2253) -> the service's own PostgreSQL role.
# MAPNAME  SYSTEM-USERNAME  PG-USERNAME
${lines.join('\n')}
`
}
