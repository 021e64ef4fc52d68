/**
 * The one place that loads `@peculiar/x509`: it needs a Reflect metadata polyfill loaded first
 * (its dependency injection container checks for it at import time) and a WebCrypto provider.
 * Node's own WebCrypto is used, so no JavaScript crypto implementation is involved.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

// Node's WebCrypto is the provider at run time in every program; a program with the DOM lib (the
// web's, whose tests load this module) types the global `Crypto` x509 asks for differently.
x509.cryptoProvider.set(globalThis.crypto as never)

export { x509 }
