/**
 * Claim checks a route adds to its `config.access.checks`: a role (IdP group) and the strength of
 * the user's authentication (RFC 9470 step-up).
 */
import { HOP_REASONS, RoleRequired, StepUpRequired } from './access-problems.ts'
import type { AccessCheck } from './access-token-plugin.ts'

/**
 * The user must be in IdP group `group`; otherwise 403 `ZT_ERR_ROLE_REQUIRED` (`role.missing`).
 *
 * @example
 * ```ts
 * { config: { access: { scopes: ['customers:read'], checks: [requireGroup('sales-associate')] } } }
 * ```
 */
export function requireGroup(group: string): AccessCheck {
  return (access) =>
    access.groups.includes(group)
      ? undefined
      : {
          reason: HOP_REASONS.roleMissing,
          problem: new RoleRequired(`requires the "${group}" role`),
        }
}

/** Options of {@link requireAuthentication}. */
export interface AuthenticationRequirement {
  /** `acr` values that satisfy the route, e.g. the IdP's MFA class. */
  readonly acrValues: readonly string[]
  /** Methods (RFC 8176 `amr`) that must all be present, e.g. `['mfa']`. */
  readonly amr?: readonly string[]
}

/**
 * The user's sign-in must be strong enough; otherwise RFC 9470 §3: 401 with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values="…"`, problem
 * `ZT_ERR_STEP_UP_REQUIRED`, audit reason `acr.insufficient`. The client signs the user in again
 * with `acr_values` and retries.
 *
 * @example
 * ```ts
 * requireAuthentication({ acrValues: ['urn:mythical:acr:mfa'], amr: ['mfa'] })
 * ```
 */
export function requireAuthentication(requirement: AuthenticationRequirement): AccessCheck {
  if (requirement.acrValues.length === 0) throw new TypeError('"acrValues" must not be empty')
  const acrValues = requirement.acrValues.join(' ')
  const challenge =
    'Bearer error="insufficient_user_authentication", ' +
    'error_description="A stronger authentication is required", ' +
    `acr_values="${acrValues}"`
  return (access) => {
    const acrOk = access.acr !== undefined && requirement.acrValues.includes(access.acr)
    const amrOk = (requirement.amr ?? []).every((m) => access.amr.includes(m))
    if (acrOk && amrOk) return undefined
    return {
      reason: HOP_REASONS.stepUpRequired,
      problem: new StepUpRequired(`sign in with acr_values "${acrValues}"`, {
        headers: { 'www-authenticate': challenge },
        extensions: { acrValues: [...requirement.acrValues] },
      }),
    }
  }
}
