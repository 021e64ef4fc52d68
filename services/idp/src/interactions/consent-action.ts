/**
 * Consent: the page lists what the client asks for (OIDC scopes and, per resource, API scopes);
 * confirming records exactly those in the grant, nothing more.
 */
import type Provider from 'oidc-provider'
import { SCOPE_DESCRIPTIONS } from '../policies/resources.ts'
import type { ActionContext, InteractionDetails } from './action-context.ts'
import { FormError } from './http.ts'
import { errorPage } from './views.ts'

type PromptDetails = {
  missingOIDCScope?: string[]
  missingOIDCClaims?: string[]
  missingResourceScopes?: Record<string, string[]>
}

const OIDC_SCOPES: Readonly<Record<string, string>> = {
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in',
}

/** The scopes awaiting consent, with their descriptions for the page. */
export function requestedScopes(details: InteractionDetails) {
  const d = details.prompt.details as PromptDetails
  const scopes = new Set([
    ...(d.missingOIDCScope ?? []),
    ...Object.values(d.missingResourceScopes ?? {}).flat(),
  ])
  scopes.delete('openid')
  return [...scopes].map((name) => ({
    name,
    description: SCOPE_DESCRIPTIONS[name] ?? OIDC_SCOPES[name] ?? name,
  }))
}

async function saveGrant(provider: Provider, details: InteractionDetails, clientId: string) {
  const accountId = details.session?.accountId ?? ''
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId })
  if (!grant) throw new FormError(400, 'This sign-in request has expired.')
  const d = details.prompt.details as PromptDetails
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '))
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims)
  for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '))
  }
  return grant.save()
}

/** POST `/interaction/:uid/confirm`. */
export async function confirm(c: ActionContext): Promise<void> {
  const accountId = c.details.session?.accountId
  if (c.details.prompt.name !== 'consent' || !accountId) {
    c.page(400, errorPage('There is nothing to confirm. Start again from the shop.'))
    return
  }
  const grantId = await saveGrant(c.provider, c.details, c.clientId)
  c.record('allow', 'consent.granted', 'TB02', accountId)
  await c.finish({ consent: { grantId } }, true)
}
