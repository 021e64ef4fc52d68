/**
 * The containers of one compose project as the engine reports them (labels set by both Compose
 * versions): which service each runs, its state, health and exit code, and its address on the
 * project's network.
 */
import { run } from '../docker/run.ts'

/** The project name `pnpm test:compose` runs under: its `down -v` never touches a stack run by hand. */
export const COMPOSE_TEST_PROJECT = 'mythical-compose-test'

export interface ProjectContainer {
  readonly id: string
  readonly service: string
  /** `running`, `exited`, `created`, … */
  readonly state: string
  /** `healthy`, `unhealthy`, `starting`, or '' without a healthcheck. */
  readonly health: string
  readonly exitCode: number
  /** First network address ('' when none). */
  readonly address: string
  /** Host pid of the container's main process (0 when not running). */
  readonly pid: number
}

export const projectLabel = (project: string) => `label=com.docker.compose.project=${project}`

/** The members of `docker inspect`'s JSON read here. */
interface InspectedContainer {
  Id: string
  Config: { Labels: Record<string, string> | null }
  State: { Status: string; ExitCode: number; Pid: number; Health?: { Status: string } }
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> | null }
}

export async function projectContainers(
  project: string,
  env: NodeJS.ProcessEnv,
): Promise<ProjectContainer[]> {
  const ids = (await run('docker', ['ps', '-aq', '--filter', projectLabel(project)], { env }))
    .split('\n')
    .filter(Boolean)
  if (ids.length === 0) return []
  const inspected = JSON.parse(
    await run('docker', ['inspect', ...ids], { env }),
  ) as InspectedContainer[]
  return inspected.map((c) => ({
    id: c.Id,
    service: c.Config.Labels?.['com.docker.compose.service'] ?? '',
    state: c.State.Status,
    health: c.State.Health?.Status ?? '',
    exitCode: c.State.ExitCode,
    address: Object.values(c.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? '',
    pid: c.State.Pid,
  }))
}

/** Networks and volumes the project still owns (by label), as `kind name` lines. */
export async function projectLeftovers(project: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const list = async (kind: 'network' | 'volume') =>
    (await run('docker', [kind, 'ls', '-q', '--filter', projectLabel(project)], { env }))
      .split('\n')
      .filter(Boolean)
      .map((name) => `${kind} ${name}`)
  const containers = (await projectContainers(project, env)).map((c) => `container ${c.service}`)
  return [...containers, ...(await list('network')), ...(await list('volume'))]
}
