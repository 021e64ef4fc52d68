/**
 * The vault's store in its own database (`vault`, role `tokenization_api`, cardvault certificate
 * login): tokens with their sealed card numbers, and the one-time request ids.
 *
 * Card numbers are sealed before they reach PostgreSQL — JWE `dir`/A256GCM under a key derived
 * from the vault's data key for this one purpose — so neither a database dump nor PostgreSQL's
 * own log (a failed statement's parameters) ever holds a PAN. The CVC has no column at all.
 */
import { derivePurposeKey, type DataKey } from '@mythical/service-kit'
import { CompactEncrypt, compactDecrypt } from 'jose'
import type { Pool } from 'pg'
import { formatPreservingToken, type CardBrand, type CardNumber } from './card-number.ts'

/** HKDF `info` of the key card numbers are sealed with. */
const PAN_SEALING_PURPOSE = 'tokenization-api/card-number-sealing/v1'

/** PostgreSQL's unique-violation SQLSTATE: a random token collided with an issued one. */
const UNIQUE_VIOLATION = '23505'

/** Attempts at drawing an unused token before giving up (collisions are astronomically rare). */
const TOKEN_ATTEMPTS = 5

/** What the vault answers for a tokenized card. */
export interface IssuedToken {
  readonly token: string
  readonly brand: CardBrand
  readonly last4: string
}

/** A card as the vault gives it back to its detokenization client. */
export interface StoredCard {
  readonly number: string
  readonly expMonth: number
  readonly expYear: number
}

/** Whether a request id is seen for the first time or again. */
export type RequestIdUse = 'first-use' | 'replayed'

export interface VaultStore {
  /** Records `jti` of `client` until `expiresAt` (epoch seconds); one statement decides. */
  consumeRequestId(client: string, jti: string, expiresAt: number): Promise<RequestIdUse>
  tokenize(
    card: CardNumber,
    expiry: { expMonth: number; expYear: number },
    issuedTo: string,
  ): Promise<IssuedToken>
  detokenize(token: string): Promise<StoredCard | undefined>
}

/**
 * @example
 * ```ts
 * const store = createVaultStore(createDatabasePool(config.SECRETS_DIR, …), loadDataKey(dir))
 * ```
 */
export function createVaultStore(pool: Pool, dataKey: DataKey): VaultStore {
  const sealing = derivePurposeKey(dataKey, PAN_SEALING_PURPOSE)

  const seal = (digits: string) =>
    new CompactEncrypt(new TextEncoder().encode(digits))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: sealing.kid })
      .encrypt(sealing.key)

  async function unseal(sealed: string): Promise<string> {
    const { plaintext } = await compactDecrypt(sealed, sealing.key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    })
    return new TextDecoder().decode(plaintext)
  }

  return {
    async consumeRequestId(client, jti, expiresAt) {
      const { rowCount } = await pool.query(
        `INSERT INTO used_request_ids (client, jti, expires_at)
         VALUES ($1, $2, to_timestamp($3))
         ON CONFLICT (client, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE used_request_ids.expires_at <= now()`,
        [client, jti, expiresAt],
      )
      return rowCount === 1 ? 'first-use' : 'replayed'
    },

    async tokenize(card, expiry, issuedTo) {
      const sealedPan = await seal(card.digits)
      for (let attempt = 1; ; attempt++) {
        const token = formatPreservingToken(card)
        try {
          await pool.query(
            `INSERT INTO card_tokens (token, brand, last4, exp_month, exp_year, sealed_pan, issued_to)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [token, card.brand, card.last4, expiry.expMonth, expiry.expYear, sealedPan, issuedTo],
          )
          return { token, brand: card.brand, last4: card.last4 }
        } catch (err) {
          const collided = (err as { code?: unknown }).code === UNIQUE_VIOLATION
          if (!collided || attempt >= TOKEN_ATTEMPTS) throw err
        }
      }
    },

    async detokenize(token) {
      const { rows } = await pool.query<{
        sealed_pan: string
        exp_month: number
        exp_year: number
      }>('SELECT sealed_pan, exp_month, exp_year FROM card_tokens WHERE token = $1', [token])
      const row = rows[0]
      if (!row) return undefined
      return {
        number: await unseal(row.sealed_pan),
        expMonth: row.exp_month,
        expYear: row.exp_year,
      }
    },
  }
}
