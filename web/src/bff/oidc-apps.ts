/**
 * The two browser apps the BFF signs users into, each its own OAuth client at the retail IdP
 * (`web` for shoppers, `web-staff` for sales associates, who always sign in with MFA) and its own
 * `__Host-` session cookie, so a shopper session never opens a staff page.
 */
export interface BrowserApp {
  readonly clientId: 'web' | 'web-staff'
  readonly cookie: string
  /** Path of the sign-in callback registered at the IdP (services/idp/clients.ts). */
  readonly callbackPath: string
  /** Where the app starts; also the only place a sign-in may return to when asked elsewhere. */
  readonly home: string
  readonly scope: string
}

export const SHOPPER_APP: BrowserApp = {
  clientId: 'web',
  cookie: '__Host-mythical-session',
  callbackPath: '/auth/callback',
  home: '/',
  scope:
    'openid profile email offline_access orders:read orders:write customers:read recommendations:read tracking:read traces:read',
}

export const STAFF_APP: BrowserApp = {
  clientId: 'web-staff',
  cookie: '__Host-mythical-staff',
  callbackPath: '/staff/auth/callback',
  home: '/staff',
  scope: 'openid profile email offline_access customers:read customers:write',
}

/**
 * A same-app path to return to after sign-in, or the app's home: never another origin, never a
 * protocol-relative `//host` or a backslash trick (no open redirect).
 *
 * @example safeReturnPath('//evil.example', SHOPPER_APP) // '/'
 */
export function safeReturnPath(candidate: string | null | undefined, app: BrowserApp): string {
  if (!candidate || !candidate.startsWith('/') || /^\/[/\\]/.test(candidate)) return app.home
  if (/[\u0000-\u001f\\]/.test(candidate)) return app.home
  return candidate.startsWith(app.home) ? candidate : app.home
}
