/**
 * Staff at the running retail IdP. Sam signs in to the staff client `web-staff` as the web BFF
 * does it — PAR + PKCE, password, then the TOTP code from his authenticator — and redeems the
 * code for a DPoP-bound gateway token. The IdP accepts each TOTP time step once per account
 * (`totp_last_time_step`), so a sign-in that lands in a step already used (by another spec a
 * moment ago) waits for the next step and tries once more.
 *
 * And a throw-away sales associate without a second factor enrolled, written into the IdP's own
 * identity store with the operator's session (as `idp-store.ts` does for token expiry): the
 * IdP's staff client refuses such an account, so it is the only way to hold a real, IdP-issued
 * token of a sales associate that is *not* multi-factor — what shop-assistant-api's own step-up
 * check exists for.
 */
import { randomBytes, scrypt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { SALES_ASSOCIATE_GROUP, stackPaths } from '@mythical/stack'
import { resolveAdmin } from '@mythical/infra/postgres/admin-target'
import { connectAdmin } from '@mythical/infra/postgres/connect-admin'
import { postgresLayout } from '@mythical/infra/postgres/layout'
import { dpopKey, redeemCode, signIn, type TokenSet } from '@mythical/testing'
import { GATEWAY_RESOURCE, IDP_ISSUER, type ShopperSession } from './shopper.ts'

/** Sam, the demo sales associate (public contract). */
export const SAM = { username: 'sam', password: 'sam-sells-shoes', totpSecret: 'JBSWY3DPEHPK3PXP' }
const STAFF_SCOPE = 'openid profile customers:read customers:write'
const TOTP_STEP_MS = 30_000

/** Redeems a signed-in code for a DPoP-bound gateway token. */
async function gatewayTokenFor(
  username: string,
  signedIn: Awaited<ReturnType<typeof signIn>>,
): Promise<ShopperSession> {
  const dpop = await dpopKey()
  const response = await redeemCode(IDP_ISSUER, signedIn, { resource: GATEWAY_RESOURCE }, dpop)
  if (response.status !== 200) {
    throw new Error(`token request failed: ${response.status} ${response.text.slice(0, 300)}`)
  }
  return { username, accessToken: response.json<TokenSet>().access_token, dpop }
}

/** Sam signed in with password + TOTP at `web-staff`, for the gateway. */
export async function signInSam(): Promise<ShopperSession> {
  const attempt = () =>
    signIn(IDP_ISSUER, {
      client: 'web-staff',
      username: SAM.username,
      password: SAM.password,
      totpSecret: SAM.totpSecret,
      params: { resource: GATEWAY_RESOURCE, scope: STAFF_SCOPE },
    })
  let signedIn
  try {
    signedIn = await attempt()
  } catch {
    // This step's code was used already: the next step brings a new one.
    await sleep(TOTP_STEP_MS - (Date.now() % TOTP_STEP_MS) + 500)
    signedIn = await attempt()
  }
  return gatewayTokenFor(SAM.username, signedIn)
}

const IDENTITY_DATABASE = 'identity'
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const

/** The IdP's stored password format: `scrypt$N$r$p$<salt>$<hash>` (base64url). */
async function passwordHash(password: string): Promise<string> {
  const salt = randomBytes(16)
  const { N, r, p } = SCRYPT
  const hash = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 32, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

async function asIdentityAdmin<T>(
  fn: (db: Awaited<ReturnType<typeof connectAdmin>>) => Promise<T>,
): Promise<T> {
  const layout = postgresLayout(stackPaths())
  const client = await connectAdmin(layout, await resolveAdmin(layout), IDENTITY_DATABASE)
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A sales associate with a password only, and the way to remove it again. */
export interface UnenrolledAssociate {
  readonly username: string
  readonly password: string
  remove(): Promise<void>
}

export async function createAssociateWithoutMfa(): Promise<UnenrolledAssociate> {
  const username = `e2e-associate-${randomBytes(6).toString('hex')}`
  const password = randomBytes(12).toString('base64url')
  const hash = await passwordHash(password)
  await asIdentityAdmin(async (db) => {
    await db.query(
      `INSERT INTO accounts (id, username, display_name, email, password_hash)
       VALUES ($1, $1, 'E2E associate without MFA', NULL, $2)`,
      [username, hash],
    )
    await db.query('INSERT INTO account_groups (account_id, group_name) VALUES ($1, $2)', [
      username,
      SALES_ASSOCIATE_GROUP,
    ])
  })
  return {
    username,
    password,
    remove: () =>
      asIdentityAdmin(async (db) => {
        await db.query('DELETE FROM accounts WHERE id = $1', [username])
      }),
  }
}

/** The associate signed in with the password alone at the shopper client `web`. */
export async function signInWithPasswordOnly(
  associate: UnenrolledAssociate,
): Promise<ShopperSession> {
  const signedIn = await signIn(IDP_ISSUER, {
    username: associate.username,
    password: associate.password,
    params: { resource: GATEWAY_RESOURCE, scope: 'openid profile customers:read' },
  })
  return gatewayTokenFor(associate.username, signedIn)
}
