/**
 * The partner's own user store: the shipping company's staff. Mythical Retail's customers
 * (Katie, Bob) are deliberately absent — they reach the partner only as pairwise federated
 * subjects minted by the token exchange, never as local accounts.
 */
import type { Account, FindAccount } from 'oidc-provider'

/** A partner-side person. */
export interface PartnerUser {
  readonly id: string
  readonly name: string
  readonly role: 'dispatcher' | 'courier'
}

const USERS: readonly PartnerUser[] = [
  { id: 'dispatcher-dana', name: 'Dana Dispatcher', role: 'dispatcher' },
]

/** Looks a local partner user up by id; `undefined` for anyone else (e.g. `katie`). */
export function findPartnerUser(id: string): PartnerUser | undefined {
  return USERS.find((u) => u.id === id)
}

/**
 * oidc-provider `findAccount`: local users only. Federated pairwise subjects are not accounts
 * here — their tokens carry no claims beyond `sub`, so nothing about them is ever looked up.
 */
export const findAccount: FindAccount = (_ctx, id) => {
  const user = findPartnerUser(id)
  if (!user) return undefined
  const account: Account = {
    accountId: user.id,
    claims: () => ({ sub: user.id, name: user.name, partner_role: user.role }),
  }
  return account
}
