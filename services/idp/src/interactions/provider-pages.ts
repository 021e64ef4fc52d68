/**
 * The pages oidc-provider renders itself (logout confirmation, logged-out, errors), replaced by
 * ours so they carry the same strict CSP and no inline style or script, and so an error page
 * shows a safe message rather than internals.
 */
import type { KoaContextWithOIDC } from 'oidc-provider'
import { pageHeaders } from './http.ts'
import { errorPage, loggedOutPage, logoutPage } from './views.ts'

/** Page renderers for the provider configuration. */
export function providerPages(formTargets: readonly string[]) {
  const html = (ctx: KoaContextWithOIDC, body: string) => {
    ctx.set(pageHeaders(formTargets))
    ctx.type = 'html'
    ctx.body = body
  }
  return {
    logoutSource: async (ctx: KoaContextWithOIDC, form: string) => html(ctx, logoutPage(form)),
    postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => html(ctx, loggedOutPage()),
    renderError: async (ctx: KoaContextWithOIDC, out: { error_description?: string }) =>
      html(ctx, errorPage(out.error_description ?? 'The request could not be completed.')),
  }
}
