/**
 * What the retail IdP asserts about a sign-in and every resource server checks: authentication
 * context (`acr`), methods (`amr`, RFC 8176) and the staff group. Values of the contract, so an
 * API never imports the IdP to read them.
 */

/** Single-factor (password) authentication. */
export const ACR_PASSWORD = 'urn:mythical:acr:pwd'
/** Multi-factor (password + TOTP) authentication: what shop-assistant-api demands (TB11). */
export const ACR_MFA = 'urn:mythical:acr:mfa'

export const AMR_PASSWORD = ['pwd'] as const
export const AMR_MFA = ['pwd', 'otp', 'mfa'] as const

/** The `groups` value of a sales associate (Sam): the role shop-assistant-api requires. */
export const SALES_ASSOCIATE_GROUP = 'sales-associate'
