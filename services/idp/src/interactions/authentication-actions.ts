/**
 * The sign-in actions of the interaction pages:
 *
 * - `login`: password; an account with TOTP enrolled always continues to the TOTP page (the
 *   password-verified account is kept in the interaction, not in the browser); an account
 *   without TOTP is refused when the request demands MFA;
 * - `totp`: the second factor of that pending login → `acr`/`amr` of MFA.
 *
 * A refused factor re-renders its page with 401, or 429 and `Retry-After` while the sign-in
 * counters of the (name, address) pair or of the name block further attempts.
 */
import type { AuthOutcome, Authenticator } from '../accounts/authenticate.ts'
import { ACR_MFA, ACR_PASSWORD, AMR_MFA, AMR_PASSWORD } from '@mythical/stack'
import type { ActionContext, InteractionDetails } from './action-context.ts'
import { clientAddress } from './client-address.ts'
import { FormError } from './http.ts'
import { AUTH_MESSAGES } from './messages.ts'
import { loginPage, totpPage } from './views.ts'

/** Password-verified login waiting for its second factor (kept in the interaction). */
interface PendingMfa {
  accountId: string
}

/** The pending second factor of an interaction, if the password step passed. */
export function pendingMfa(details: InteractionDetails): PendingMfa | undefined {
  return (details.result as { pendingMfa?: PendingMfa } | undefined)?.pendingMfa
}

/** Refused factor: 401, or 429 with `Retry-After` while the sign-in counters block. */
function refusalStatus(c: ActionContext, outcome: AuthOutcome & { ok: false }): number {
  if (outcome.retryAfterSeconds === undefined) return 401
  c.res.setHeader('retry-after', String(outcome.retryAfterSeconds))
  return 429
}

/** POST `/interaction/:uid/login`. */
export async function login(
  c: ActionContext,
  authenticator: Authenticator,
  demandsMfa: boolean,
): Promise<void> {
  const username = (c.form.get('username') ?? '').trim()
  const outcome = await authenticator.checkPassword(
    username,
    c.form.get('password') ?? '',
    clientAddress(c.req),
  )
  if (!outcome.ok) {
    c.record('deny', outcome.reason, 'TB02', outcome.account?.id)
    c.page(
      refusalStatus(c, outcome),
      loginPage({ ...c.view, username, error: AUTH_MESSAGES[outcome.reason] }),
    )
    return
  }
  const { account } = outcome
  if (account.sealedTotpSecret) {
    const interaction = await c.provider.Interaction.find(c.view.uid)
    if (!interaction) throw new FormError(400, 'This sign-in request has expired.')
    interaction.result = { pendingMfa: { accountId: account.id } satisfies PendingMfa }
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000))
    c.record('allow', 'login.password_ok_mfa_pending', 'TB02', account.id)
    c.page(200, totpPage(c.view))
    return
  }
  if (demandsMfa) {
    c.record('deny', 'mfa.not_enrolled', 'TB11', account.id)
    c.page(403, loginPage({ ...c.view, username, error: AUTH_MESSAGES['mfa.not_enrolled'] }))
    return
  }
  c.record('allow', 'login.password', 'TB02', account.id)
  await c.finish({ login: { accountId: account.id, acr: ACR_PASSWORD, amr: [...AMR_PASSWORD] } })
}

/** POST `/interaction/:uid/totp`. */
export async function totp(c: ActionContext, authenticator: Authenticator): Promise<void> {
  const pending = pendingMfa(c.details)
  if (!pending) {
    c.page(400, loginPage({ ...c.view, error: 'Sign in with your password first.' }))
    return
  }
  const outcome = await authenticator.checkTotp(
    pending.accountId,
    c.form.get('code') ?? '',
    clientAddress(c.req),
  )
  if (!outcome.ok) {
    c.record('deny', outcome.reason, 'TB11', pending.accountId)
    c.page(refusalStatus(c, outcome), totpPage({ ...c.view, error: AUTH_MESSAGES[outcome.reason] }))
    return
  }
  c.record('allow', 'login.mfa', 'TB11', pending.accountId)
  await c.finish({ login: { accountId: pending.accountId, acr: ACR_MFA, amr: [...AMR_MFA] } })
}
