/**
 * order-tracking-api, run by the shipping partner (trust domain shipping) on its own stack
 * (express). Health-only for now: TLS without a client certificate (edge listener), `/healthz`.
 */
import { expressServiceBasics } from '@mythical/service-kit'
import express, { type Express } from 'express'
import type { Config } from './config.ts'

/**
 * Builds the order-tracking-api express app without listening, and `close` for its connections.
 *
 * @example
 * ```ts
 * const { app } = buildApp(loadServiceConfig())
 * ```
 */
export function buildApp(config: Config): { app: Express; close(): Promise<void> } {
  const app = express()
  expressServiceBasics(app, {
    name: 'order-tracking-api',
    logLevel: config.LOG_LEVEL,
  })
  // Nothing to close yet: no database or broker connection.
  return { app, close: async () => {} }
}
