/**
 * Audit of the partner IdP's trust decisions through `@mythical/audit`: every refusal and every
 * issued federated token is one record on trust boundary TB10 with a stable `reason`, so the trust
 * trace and the tests say exactly why a request was decided the way it was. Records carry the
 * pairwise partner subject, never the retail `sub`, and never a token.
 */
import type { AuditLogger } from '@mythical/audit'
import { TRUST_BOUNDARIES } from '@mythical/stack'

/** Where decisions go: the service's audit logger, or a collector in tests. */
export type AuditSink = Pick<AuditLogger, 'decision'>

/** SCENARIO.md trust boundary: retail ↔ shipping partner (federation). */
export const FEDERATION_BOUNDARY = TRUST_BOUNDARIES.TB10.id
