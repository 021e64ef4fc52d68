import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'

/** Client-id enforcement: only the OAuth clients the API lists may call it (the shopper app's
 * token cannot reach the staff API, and the other way round). */
export const checkClientId: Check = (ctx) => {
  if (ctx.api && ctx.access && ctx.api.clients.includes(ctx.access.clientId)) return undefined
  return deny(GATEWAY_REASONS.clientNotAllowed, new GatewayProblems.ClientNotAllowed())
}
