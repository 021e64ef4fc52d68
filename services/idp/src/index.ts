/**
 * `@mythical/idp`: the contract other workloads share with the retail IdP — acr values, the
 * token-exchange grant, the resource catalogue, the web clients' redirect paths. The service
 * itself starts from `src/main.ts`.
 *
 * @module
 */
export { ACR_MFA, ACR_PASSWORD, AMR_MFA, AMR_PASSWORD } from './policies/mfa.ts'
export { GATEWAY_RESOURCE, PARTNER_TARGET, SCOPE_DESCRIPTIONS } from './policies/resources.ts'
export { TOKEN_EXCHANGE_GRANT } from './grants/token-exchange.ts'
export { SALES_ASSOCIATE_GROUP } from './accounts/seed.ts'
export { WEB_REDIRECT_PATHS } from '../clients.ts'
