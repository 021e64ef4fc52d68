/**
 * The one place that loads `@peculiar/x509`: it needs a Reflect metadata polyfill loaded first
 * (its dependency injection container checks for it at import time) and a WebCrypto provider.
 * Node's own WebCrypto is used, so no JavaScript crypto implementation is involved.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(globalThis.crypto)

export { x509 }
