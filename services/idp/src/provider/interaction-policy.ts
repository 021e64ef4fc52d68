/**
 * oidc-provider's default interaction policy (login, then consent) plus one login check:
 * when the request demands MFA (`acr_values` or a client that always requires it) and the
 * current session was not established with MFA, the user is sent back through login
 * (password + TOTP) — this is how step-up (RFC 9470) is satisfied at the IdP.
 */
import { interactionPolicy } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { ACR_MFA } from '@mythical/stack'
import { requestDemandsMfa } from '../policies/mfa.ts'

const { Check, base } = interactionPolicy

/** Build the policy. */
export function idpInteractionPolicy() {
  const policy = base()
  const login = policy.get('login')
  if (!login) throw new TypeError('oidc-provider base policy has no login prompt')
  login.checks.add(
    new Check(
      'mfa_required',
      'multi-factor authentication is required',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx
        const clientId = oidc.client?.clientId ?? ''
        const acrValues = oidc.params?.acr_values as string | undefined
        if (!requestDemandsMfa(clientId, acrValues)) return Check.NO_NEED_TO_PROMPT
        return oidc.session?.acr === ACR_MFA ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT
      },
    ),
  )
  return policy
}
