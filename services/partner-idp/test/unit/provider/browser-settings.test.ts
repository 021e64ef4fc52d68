/**
 * The partner IdP's provider configuration for what browsers could reach: no logout endpoint,
 * the stack's own error page, and any cookie signed with keys from the data key.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Adapter } from 'oidc-provider'
import { renderProviderError } from '@mythical/service-kit'
import { providerConfiguration } from '../../../src/provider/configuration.ts'

/** Never called here: only the configuration object is inspected. */
const NoStorage = class {} as unknown as new (model: string) => Adapter

const configuration = providerConfiguration({
  adapter: NoStorage,
  signingKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid: 'k' },
  clients: [],
  mtlsBaseUrl: 'https://localhost:5001',
  cookieKeys: ['derived-cookie-key'],
})

describe('partner-idp browser settings', () => {
  it('signs every cookie with the given keys', () => {
    assert.deepEqual(configuration.cookies?.keys, ['derived-cookie-key'])
    assert.equal(configuration.cookies?.long?.signed, true)
    assert.equal(configuration.cookies?.short?.signed, true)
    assert.equal(configuration.cookies?.long?.httpOnly, true)
  })

  it('has no RP-initiated logout and renders errors with the stack’s own page', () => {
    assert.equal(configuration.features?.rpInitiatedLogout?.enabled, false)
    assert.equal(configuration.renderError, renderProviderError)
  })
})
