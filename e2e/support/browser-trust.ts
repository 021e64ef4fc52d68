/**
 * Chromium trusts the stack's edge certificates the way Node does, not by switching checks off:
 * Node connects to each edge origin, verifies its certificate against the trust domain's CA
 * (real verification, hostname included), and only then pins that certificate's public key in
 * Chromium (`--ignore-certificate-errors-spki-list`). A certificate the CA did not issue is
 * never pinned, so the browser refuses it as it should.
 */
import { X509Certificate, createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:tls'
import { chromium, type Browser, type Page } from '@playwright/test'
import { stackPaths, type TrustDomain } from '@mythical/stack'

const paths = stackPaths()

/** SPKI SHA-256 (base64) of the verified certificate served at `https://localhost:<port>`. */
function verifiedSpkiHash(port: number, domain: TrustDomain): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(paths.caCert(domain)) },
      () => {
        const certificate = socket.getPeerCertificate()
        socket.end()
        if (!socket.authorized)
          return reject(new Error(`localhost:${port}: ${String(socket.authorizationError)}`))
        // Chromium pins the SubjectPublicKeyInfo (DER); `pubkey` would be the bare EC point.
        const spki = new X509Certificate(certificate.raw).publicKey.export({
          type: 'spki',
          format: 'der',
        })
        resolve(createHash('sha256').update(spki).digest('base64'))
      },
    )
    socket.on('error', reject)
  })
}

/** Edge origins the browser visits in the web specs: the web and the retail IdP. */
const BROWSER_ORIGINS: readonly { port: number; domain: TrustDomain }[] = [
  { port: 3000, domain: 'retail' },
  { port: 4000, domain: 'retail' },
]

/** Chromium arguments pinning the verified edge certificates. */
export async function browserTrustArguments(): Promise<string[]> {
  const hashes = await Promise.all(BROWSER_ORIGINS.map((o) => verifiedSpkiHash(o.port, o.domain)))
  return [`--ignore-certificate-errors-spki-list=${hashes.join(',')}`]
}

const DEBIAN_CHROMIUM = '/usr/bin/chromium'

/**
 * Chromium (Debian's where installed, as in playwright.config.ts) trusting the verified edge
 * certificates.
 */
export async function launchTrustingBrowser(): Promise<Browser> {
  const args = [
    '--disable-background-networking',
    '--no-first-run',
    ...(await browserTrustArguments()),
  ]
  return chromium.launch(
    existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM, args } : { args },
  )
}

/** Signs in through the web's own sign-in (BFF → IdP pages → callback) in `page`. */
export async function signInThroughWeb(
  page: Page,
  user: { username: string; password: string },
  start = 'https://localhost:3000/auth/login',
): Promise<void> {
  await page.goto(start)
  await page.getByLabel(/user ?name/i).fill(user.username)
  await page.getByLabel(/password/i).fill(user.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  // The consent page comes only while the grant is new; otherwise the IdP redirects at once.
  const allow = page.getByRole('button', { name: 'Allow' })
  const back = /^https:\/\/localhost:3000\//
  await Promise.race([allow.waitFor(), page.waitForURL(back)])
  if (await allow.isVisible()) await allow.click()
  await page.waitForURL(back)
}
