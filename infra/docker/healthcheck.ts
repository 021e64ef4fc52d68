/**
 * Container healthcheck of a workload (docker-compose.yml `healthcheck.test`): `GET /readyz` on
 * the container's own port over mutual TLS, presenting the workload's own certificate and
 * accepting only its own SPIFFE id — the same probe `pnpm stack:up` runs, with the identity
 * at hand inside the container. Exit 0 healthy, 1 unhealthy (Docker's contract).
 */
import { loadWorkloadIdentity } from '@mythical/mtls'
import { probeAgent, probeOnce } from '../src/runner/health-probe.ts'
import { serviceByName } from '@mythical/stack'

const { SERVICE_NAME = '', SECRETS_DIR = '/run/secrets', PORT } = process.env
const service = { ...serviceByName(SERVICE_NAME), ...(PORT ? { port: Number(PORT) } : {}) }
const agent = probeAgent(loadWorkloadIdentity(SECRETS_DIR), service)
const result = await probeOnce(agent, service)
await agent.close()
if (!result.ok) console.error(`${service.name} not ready: ${result.reason}`)
process.exitCode = result.ok ? 0 : 1
