/**
 * Start-up migration of TOTP secrets from the retired hand-written format to the JWE of
 * `secret-box.ts`: each row still in the old format is opened (16-byte tag enforced) and sealed
 * anew, compare-and-swap, so a concurrent change of the secret is never overwritten. The replay
 * guard (last accepted time step) is kept: the secret itself did not change.
 *
 * A row sealed under a data key this IdP no longer has cannot be opened by anyone; it is counted
 * and left for re-enrolment (the demo seed re-seals its own).
 */
import type { PurposeKey } from '@mythical/service-kit'
import type { AccountStore } from './account-store.ts'
import { openLegacySecret } from './legacy-secret-box.ts'
import { sealSecret } from './secret-box.ts'

/** Outcome of one migration run. */
export interface ResealReport {
  resealed: number
  unreadable: number
}

/**
 * @example
 * ```ts
 * const { resealed, unreadable } = await resealLegacySecrets(store, keys.totpSeal)
 * ```
 */
export async function resealLegacySecrets(
  store: AccountStore,
  key: PurposeKey,
): Promise<ResealReport> {
  const report: ResealReport = { resealed: 0, unreadable: 0 }
  for (const { id, sealed } of await store.listLegacySealedSecrets()) {
    let secret: string
    try {
      secret = openLegacySecret(key, id, sealed)
    } catch {
      report.unreadable++
      continue
    }
    if (await store.swapSealedTotpSecret(id, sealed, await sealSecret(key, id, secret))) {
      report.resealed++
    }
  }
  return report
}
