/**
 * `findAccount` for oidc-provider: accounts come from the identity store; claims are released
 * per scope (`profile` → name, username, groups; `email` → email).
 */
import type { Account, KoaContextWithOIDC } from 'oidc-provider'
import type { AccountStore } from '../accounts/account-store.ts'

/**
 * Claims per scope the provider may release. `acr`, `amr` and `auth_time` ride on `openid` so
 * every ID token says how the user authenticated (oidc-provider otherwise releases them only
 * when explicitly requested).
 */
export const CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'preferred_username', 'groups'],
  email: ['email'],
} as const

/** Build `findAccount` over the store. */
export function findAccount(store: AccountStore) {
  return async (_ctx: KoaContextWithOIDC, id: string): Promise<Account | undefined> => {
    const account = await store.findById(id)
    if (!account) return undefined
    return {
      accountId: account.id,
      claims: () => ({
        sub: account.id,
        name: account.displayName,
        preferred_username: account.username,
        groups: [...account.groups],
        ...(account.email ? { email: account.email } : {}),
      }),
    }
  }
}
