import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'

/** The published API whose prefix the path starts with (`/shopping`, `/shopping/…`); else 404. */
export const resolveApi: Check = (ctx) => {
  const path = ctx.request.url.split('?', 1)[0] ?? ''
  ctx.api = ctx.state.apis.find((api) => path === api.prefix || path.startsWith(`${api.prefix}/`))
  if (ctx.api) return undefined
  return deny(GATEWAY_REASONS.noSuchApi, new GatewayProblems.NoSuchApi())
}
