/**
 * `@mythical/partner-idp`: the shipping partner's authorization server, federated with the retail
 * IdP through RFC 8693 token exchange. The constants are the federation contract the retail `web`
 * BFF and order-tracking-api rely on.
 *
 * @module
 */
export { buildPartnerIdp, type PartnerIdp, type PartnerIdpDependencies } from './app.ts'
export { startPartnerIdp, type RunningPartnerIdp } from './server.ts'
export { loadConfig, type PartnerIdpConfig } from './config.ts'
export { TOKEN_EXCHANGE_GRANT } from './grants/federated-token-exchange.ts'
export { RETAIL_WEB_CLIENT_ID } from './provider/clients.ts'
export {
  ORDER_TRACKING_RESOURCE,
  PARTNER_ACCESS_TOKEN_TTL_SECONDS,
  TRACKING_READ,
} from './provider/resources.ts'
