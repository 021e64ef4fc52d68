/**
 * tokenization-api, run by the card vault (a third party, trust domain cardvault) on its own stack
 * (express). Health-only for now: mutual TLS, client certificate required, `/healthz`.
 */
import { expressServiceBasics } from '@mythical/service-kit'
import express, { type Express } from 'express'
import type { Config } from './config.ts'

/**
 * Builds the tokenization-api express app without listening, and `close` for its connections.
 *
 * @example
 * ```ts
 * const { app } = buildApp(loadServiceConfig())
 * ```
 */
export function buildApp(config: Config): { app: Express; close(): Promise<void> } {
  const app = express()
  expressServiceBasics(app, {
    name: 'tokenization-api',
    logLevel: config.LOG_LEVEL,
  })
  // Nothing to close yet: no database or broker connection.
  return { app, close: async () => {} }
}
