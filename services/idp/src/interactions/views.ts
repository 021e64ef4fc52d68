/**
 * Server-rendered interaction pages: plain HTML forms, no script at all (the CSP forbids it),
 * every input labelled, errors in a `role="alert"` region so screen readers announce them, and
 * every value escaped.
 */

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Mythical Retail</title>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`
}

const alert = (error: string | undefined) =>
  error ? `<p role="alert" id="form-error">${escapeHtml(error)}</p>` : ''
const describedBy = (error: string | undefined) => (error ? ' aria-describedby="form-error"' : '')
const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`

/** Inputs of every page. */
export interface PageContext {
  uid: string
  csrf: string
  clientName: string
  error?: string
}

/** Username + password. */
export function loginPage(p: PageContext & { username?: string }): string {
  const invalid = p.error ? ' aria-invalid="true"' : ''
  return layout(
    'Sign in',
    `<p>to continue to ${escapeHtml(p.clientName)}</p>
${alert(p.error)}
<form method="post" action="/interaction/${escapeHtml(p.uid)}/login" novalidate>
${csrfField(p.csrf)}
<p><label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required value="${escapeHtml(p.username ?? '')}"${invalid}${describedBy(p.error)}></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${describedBy(p.error)}></p>
<p><button type="submit">Sign in</button></p>
</form>
${abortForm(p)}`,
  )
}

/** Second factor: a 6-digit TOTP code. */
export function totpPage(p: PageContext): string {
  return layout(
    'Enter your one-time code',
    `<p>Open your authenticator app and enter the 6-digit code for Mythical Retail.</p>
${alert(p.error)}
<form method="post" action="/interaction/${escapeHtml(p.uid)}/totp" novalidate>
${csrfField(p.csrf)}
<p><label for="code">One-time code</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required${p.error ? ' aria-invalid="true"' : ''}${describedBy(p.error)}></p>
<p><button type="submit">Verify</button></p>
</form>
${abortForm(p)}`,
  )
}

/** Consent to the requested scopes. */
export function consentPage(
  p: PageContext & { scopes: { name: string; description: string }[] },
): string {
  const items = p.scopes
    .map(
      (s) =>
        `<li><strong>${escapeHtml(s.description)}</strong> (<code>${escapeHtml(s.name)}</code>)</li>`,
    )
    .join('\n')
  return layout(
    'Allow access?',
    `<p>${escapeHtml(p.clientName)} asks to:</p>
<ul>
${items || '<li>Confirm your identity</li>'}
</ul>
${alert(p.error)}
<form method="post" action="/interaction/${escapeHtml(p.uid)}/confirm">
${csrfField(p.csrf)}
<p><button type="submit">Allow</button></p>
</form>
${abortForm(p)}`,
  )
}

function abortForm(p: PageContext): string {
  return `<form method="post" action="/interaction/${escapeHtml(p.uid)}/abort">
${csrfField(p.csrf)}
<p><button type="submit">Cancel</button></p>
</form>`
}

/** A terminal error page (e.g. the interaction expired). */
export function errorPage(message: string): string {
  return layout('Something went wrong', `<p role="alert">${escapeHtml(message)}</p>`)
}

/** RP-initiated logout confirmation; `form` is oidc-provider's hidden form (with its own xsrf). */
export function logoutPage(form: string): string {
  return layout(
    'Sign out?',
    `<p>Do you want to sign out of Mythical Retail?</p>
${form}
<p><button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></p>
<p><button type="submit" form="op.logoutForm">No, stay signed in</button></p>`,
  )
}

/** Shown after a logout without a post-logout redirect. */
export function loggedOutPage(): string {
  return layout('Signed out', '<p>You are signed out of Mythical Retail.</p>')
}
