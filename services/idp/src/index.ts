/**
 * `@mythical/idp`: what other workloads share with the retail IdP — the
 * token-exchange grant, the resource catalogue, the web clients' redirect paths. The service
 * itself starts from `src/main.ts`.
 *
 * @module
 */
export { GATEWAY_RESOURCE, PARTNER_TARGET, SCOPE_DESCRIPTIONS } from './policies/resources.ts'
export { TOKEN_EXCHANGE_GRANT } from './grants/token-exchange.ts'
export { WEB_REDIRECT_PATHS } from '../clients.ts'
