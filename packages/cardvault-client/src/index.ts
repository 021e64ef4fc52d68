/**
 * `@mythical/cardvault-client`: the card vault (tokenization-api) as its registered clients call
 * it — mTLS with the cardvault CA's certificate, nested JWS+JWE requests, verified (and for
 * detokenization decrypted) answers. One implementation for order-fulfillment-api (tokenize) and
 * payments-api (detokenize).
 *
 * @module
 */
export {
  CardRejected,
  CardTokenUnknown,
  createCardVaultClient,
  VaultRefused,
} from './card-vault-client.ts'
export type {
  Card,
  CardToken,
  CardVaultClient,
  CardVaultClientOptions,
} from './card-vault-client.ts'
