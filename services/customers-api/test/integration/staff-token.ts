/**
 * The token shop-assistant-api holds for customers-api on behalf of Sam, a signed-in sales
 * associate (MFA), minted by a test issuer: exchanged from the gateway's, bound to
 * shop-assistant-api's stack certificate.
 */
import { stackWorkload, type TestIssuer } from '@mythical/service-kit/testing'

const assistant = stackWorkload('shop-assistant-api')
const gateway = stackWorkload('gateway')

export const staffTokenFrom = (issuer: TestIssuer, groups: string[], scope: string) =>
  issuer.mint({
    audience: 'customers-api',
    boundTo: assistant,
    sub: 'sam',
    scope,
    clientId: 'shop-assistant-api',
    act: { sub: assistant.spiffeId, act: { sub: gateway.spiffeId } },
    groups,
    acr: 'urn:mythical:acr:mfa',
    amr: ['pwd', 'otp', 'mfa'],
  })
