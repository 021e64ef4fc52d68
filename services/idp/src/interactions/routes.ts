/**
 * The IdP's own login, MFA and consent pages (`/interaction/:uid[/action]`), driven by
 * oidc-provider's interaction API. In order, for every request:
 *
 * 1. the path names an interaction, and it is the one bound to this browser's cookie;
 * 2. GET renders the page of the pending step (login, TOTP, consent);
 * 3. POST must pass the CSRF checks (interaction-bound token + same-origin) before its action
 *    runs: `login`, `totp` (authentication-actions.ts), `confirm` (consent-action.ts), `abort`;
 * 4. a sign-in attempt (`login`, `totp`) must fit the rate limits (per client address and for
 *    the whole IdP, rate-limit.ts) before any factor is checked: otherwise 429 + `Retry-After`.
 *
 * Every decision is audited (boundary TB02, or TB11 for the second factor).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { Authenticator } from '../accounts/authenticate.ts'
import type { IdpAudit } from '../audit/idp-audit.ts'
import { requestDemandsMfa } from '../policies/mfa.ts'
import type { ActionContext } from './action-context.ts'
import { actionContext } from './action-context.ts'
import type { InteractionDetails } from './action-context.ts'
import { login, pendingMfa, totp } from './authentication-actions.ts'
import { clientAddress } from './client-address.ts'
import { confirm, requestedScopes } from './consent-action.ts'
import { csrfToken, csrfTokenValid, sameOriginRequest } from './csrf.ts'
import { FormError, readForm, sendPage } from './http.ts'
import { RATE_LIMITED_MESSAGE } from './messages.ts'
import type { SignInRateLimiter } from './rate-limit.ts'
import { consentPage, errorPage, loginPage, totpPage } from './views.ts'

/** Dependencies of the interaction routes. */
export interface InteractionOptions {
  provider: Provider
  authenticator: Authenticator
  audit: IdpAudit
  csrfKey: Buffer
  /** Limits on sign-in attempts per client address and in total. */
  rateLimiter: SignInRateLimiter
  /** The IdP's own public origin (from the issuer). */
  ownOrigin: string
  /** Origins of the clients' redirect URIs (allowed as form targets in the CSP). */
  clientOrigins: string[]
}

const PATH = /^\/interaction\/([A-Za-z0-9_-]{1,128})(?:\/(login|totp|confirm|abort))?$/

/**
 * Build the request handler; it returns `false` for paths it does not own.
 *
 * @example
 * ```ts
 * const interactions = interactionRoutes({ provider, authenticator, audit, csrfKey, … })
 * if (!(await interactions(req, res))) provider.callback()(req, res)
 * ```
 */
export function interactionRoutes(opts: InteractionOptions) {
  const { provider, authenticator, audit } = opts
  const targets = [...new Set(opts.clientOrigins)]

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const match = PATH.exec(new URL(req.url ?? '/', 'https://idp.invalid').pathname)
    if (!match) return false
    const [, uid = '', action] = match
    const page = (status: number, html: string) => sendPage(res, status, html, targets)

    let details: InteractionDetails
    try {
      details = await provider.interactionDetails(req, res)
    } catch {
      page(400, errorPage('This sign-in request has expired. Start again from the shop.'))
      return true
    }
    if (details.uid !== uid) {
      page(400, errorPage('This sign-in request does not belong to this browser.'))
      return true
    }
    const clientId = String(details.params.client_id)
    const client = await provider.Client.find(clientId)
    const view = {
      uid,
      csrf: csrfToken(opts.csrfKey, uid),
      clientName: client?.clientName ?? clientId,
    }

    if (req.method === 'GET' && !action) {
      if (details.prompt.name === 'consent') {
        page(200, consentPage({ ...view, scopes: requestedScopes(details) }))
      } else {
        page(200, pendingMfa(details) ? totpPage(view) : loginPage(view))
      }
      return true
    }
    if (req.method !== 'POST' || !action) {
      res.writeHead(405, { allow: 'GET, POST' }).end()
      return true
    }

    try {
      const form = await readForm(req)
      const c = actionContext({ req, res, provider, details, clientId, view, form, page, audit })
      if (
        !sameOriginRequest(req, opts.ownOrigin) ||
        !csrfTokenValid(opts.csrfKey, uid, form.get('csrf') ?? undefined)
      ) {
        c.record('deny', 'interaction.csrf', 'TB02')
        page(
          403,
          errorPage('This form was not sent from the sign-in page. Start again from the shop.'),
        )
        return true
      }
      if (
        (action === 'login' || action === 'totp') &&
        !withinRateLimit(c, opts.rateLimiter, action)
      ) {
        return true
      }
      switch (action) {
        case 'login':
          await login(
            c,
            authenticator,
            requestDemandsMfa(clientId, details.params.acr_values as string | undefined),
          )
          break
        case 'totp':
          await totp(c, authenticator)
          break
        case 'confirm':
          await confirm(c)
          break
        case 'abort':
          await c.finish({
            error: 'access_denied',
            error_description: 'End-User aborted interaction',
          })
          break
      }
      return true
    } catch (err) {
      if (!(err instanceof FormError)) throw err
      page(err.status, errorPage(err.message))
      return true
    }
  }
}

/**
 * Count a sign-in attempt against the rate limits; when over, audit it and answer 429 with
 * `Retry-After` and the same page, before any factor (and its KDF) runs.
 */
function withinRateLimit(
  c: ActionContext,
  limiter: SignInRateLimiter,
  action: 'login' | 'totp',
): boolean {
  const decision = limiter.attempt(clientAddress(c.req))
  if (decision.allowed) return true
  const boundary = action === 'totp' ? 'TB11' : 'TB02'
  c.record('deny', `login.rate_limited.${decision.scope}`, boundary)
  c.res.setHeader('retry-after', String(decision.retryAfterSeconds))
  const error = RATE_LIMITED_MESSAGE
  c.page(
    429,
    boundary === 'TB11'
      ? totpPage({ ...c.view, error })
      : loginPage({ ...c.view, username: (c.form.get('username') ?? '').trim(), error }),
  )
  return false
}
