/**
 * Authentication context (acr) and methods (amr, RFC 8176) the IdP asserts, and when MFA is due:
 *
 * - password only → `acr` {@link ACR_PASSWORD}, `amr` `["pwd"]`;
 * - password + TOTP → `acr` {@link ACR_MFA}, `amr` `["pwd","otp","mfa"]`;
 * - TOTP is asked whenever the account has it enrolled (staff always pass it), when the
 *   client always demands MFA (`web-staff`), or when the request's `acr_values` asks for MFA;
 *   an account without TOTP cannot satisfy such a request and is refused.
 */
import { ACR_MFA } from '@mythical/stack'

/** Clients whose every login must be multi-factor. */
export const MFA_REQUIRED_CLIENTS: ReadonlySet<string> = new Set(['web-staff'])

/**
 * Whether this authorization request requires MFA regardless of the account.
 *
 * @example
 * ```ts
 * requestDemandsMfa('web', 'urn:mythical:acr:mfa') // true
 * requestDemandsMfa('web', undefined)              // false
 * ```
 */
export function requestDemandsMfa(clientId: string, acrValues: string | undefined): boolean {
  if (MFA_REQUIRED_CLIENTS.has(clientId)) return true
  return (acrValues ?? '').split(' ').includes(ACR_MFA)
}
