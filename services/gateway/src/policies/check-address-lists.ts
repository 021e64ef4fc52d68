import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'

/** IP deny list first, then the allow list when the API has one. */
export const checkAddressLists: Check = (ctx) => {
  const lists = ctx.api && ctx.state.addressLists.get(ctx.api.name)
  if (!lists) return undefined
  if (lists.deny.has(ctx.address)) {
    return deny(GATEWAY_REASONS.addressDenied, new GatewayProblems.AddressDenied())
  }
  if (!lists.allow.empty && !lists.allow.has(ctx.address)) {
    return deny(GATEWAY_REASONS.addressNotAllowed, new GatewayProblems.AddressDenied())
  }
  return undefined
}
