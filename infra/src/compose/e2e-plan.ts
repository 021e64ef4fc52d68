/**
 * Which e2e specs `pnpm test:compose` runs against the compose stack, and which it leaves out
 * with the reason printed. From the host a compose stack offers what a newcomer gets: the edge
 * ports on localhost, and the containers' own logs. What it keeps inside its network on purpose
 * (PostgreSQL, RabbitMQ, the internal services' ports: none is published) and host-only control
 * of the local runner (stopping one service's process, reading its /proc) are not there, so the
 * tests that need them run on the local stack only.
 */

/** A whole spec file, or single tests of it (by a part of their title), left out. */
export interface ComposeExclusion {
  readonly spec: string
  /** Title fragments of the tests left out; absent: the whole file. */
  readonly tests?: readonly string[]
  readonly reason: string
}

const DATABASE = 'reads or writes a service database directly (PostgreSQL is not published)'
const OUTAGE = 'stops one service process of the local runner (withServiceStopped)'
const BROKER = 'connects to RabbitMQ directly (the broker is not published)'
const INTERNAL =
  'calls internal services directly: their ports are not published, and the host reaches a ' +
  'container only by its address, which no workload certificate names'
const SOURCE_ADDRESS =
  'calls from many loopback source addresses (IP lists, feedback loop): published ports reach ' +
  'the gateway through docker-proxy, so every host client has the bridge’s one address'
const MTLS_ALIAS =
  'connects to an IdP’s mTLS alias port, which compose does not publish (workloads reach it on ' +
  'the compose network)'

export const COMPOSE_EXCLUSIONS: readonly ComposeExclusion[] = [
  { spec: 'tb02-web-idp.spec.ts', tests: ['mTLS alias'], reason: MTLS_ALIAS },
  { spec: 'tb03-web-gateway.spec.ts', tests: ['an expired token'], reason: DATABASE },
  { spec: 'tb03-web-gateway.spec.ts', tests: ['IdP down'], reason: OUTAGE },
  { spec: 'tb04-gateway-experience.spec.ts', reason: INTERNAL },
  { spec: 'tb05-experience-process.spec.ts', reason: INTERNAL },
  { spec: 'tb06-process-system.spec.ts', reason: INTERNAL },
  { spec: 'tb07-process-tokenization.spec.ts', reason: INTERNAL },
  { spec: 'tb08-publisher-broker.spec.ts', reason: BROKER },
  { spec: 'tb09-broker-subscribers.spec.ts', reason: BROKER },
  { spec: 'tb10-federation.spec.ts', tests: ['mTLS alias'], reason: MTLS_ALIAS },
  { spec: 'tb11-staff-mfa.spec.ts', tests: ['without MFA', 'missing role'], reason: DATABASE },
  { spec: 'tb11-shop-assistant-api.spec.ts', reason: INTERNAL },
  { spec: 'tb12-system-databases.spec.ts', reason: DATABASE },
  {
    spec: 'tb13-secrets.spec.ts',
    reason: 'reads the local runner’s secrets folders and its service processes’ /proc',
  },
  { spec: 'tb14-edge-policies.spec.ts', reason: SOURCE_ADDRESS },
  { spec: 'fail-closed.spec.ts', reason: `${OUTAGE}; ${DATABASE}` },
  {
    spec: 'cardholder-data.spec.ts',
    reason: `scans every database and the broker’s files; ${DATABASE}`,
  },
  { spec: 'payments-settlement.spec.ts', reason: DATABASE },
]

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Tests that run in a Playwright run of their own, once the gateway's feedback-loop window has
 * passed: every host client reaches the published port through docker-proxy, so from the
 * gateway's side they share one address, and TB03's refusals before these (ten within the
 * window) block it — these and every later test were answered ZT_ERR_CLIENT_BLOCKED (found by
 * the second run against compose). The loop did its job; the runner spaces the refusals.
 */
export const AFTER_FEEDBACK_WINDOW = {
  spec: 'tb03-web-gateway.spec.ts',
  tests: ['JWT', 'spoofed identity headers'],
} as const

/** One Playwright invocation: its arguments, and how long to wait before it. */
export interface PlaywrightRun {
  readonly args: string[]
  readonly pauseSeconds: number
}

const titlePattern = (titles: readonly string[]) => titles.map(escapeRegExp).join('|')

/**
 * The Playwright runs against compose, in order: every spec not left out (the refusal-heavy
 * `AFTER_FEEDBACK_WINDOW.spec` last), then its spaced tests after `windowSeconds` and one more.
 */
export function playwrightRuns(
  allSpecs: readonly string[],
  windowSeconds: number,
): PlaywrightRun[] {
  const wholeFiles = new Set(COMPOSE_EXCLUSIONS.filter((e) => !e.tests).map((e) => e.spec))
  const spaced = AFTER_FEEDBACK_WINDOW.spec
  const files = allSpecs.filter((spec) => !wholeFiles.has(spec) && spec !== spaced)
  const leftOut = COMPOSE_EXCLUSIONS.flatMap((e) => e.tests ?? [])
  const path = (spec: string) => `specs/${spec}`
  return [
    {
      args: ['--grep-invert', titlePattern(leftOut), ...files.map(path)],
      pauseSeconds: 0,
    },
    {
      args: [
        '--grep-invert',
        titlePattern([...leftOut, ...AFTER_FEEDBACK_WINDOW.tests]),
        path(spaced),
      ],
      pauseSeconds: 0,
    },
    {
      args: [
        '--grep',
        titlePattern(AFTER_FEEDBACK_WINDOW.tests),
        '--grep-invert',
        titlePattern(leftOut),
        path(spaced),
      ],
      pauseSeconds: windowSeconds + 1,
    },
  ]
}

/** One line per exclusion, for the run's log and the report. */
export const exclusionLines = (): string[] =>
  COMPOSE_EXCLUSIONS.map(
    (e) => `${e.spec}${e.tests ? ` › ${e.tests.join(', ')}` : ' (whole file)'}: ${e.reason}`,
  )
