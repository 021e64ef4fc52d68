/**
 * `@mythical/oidc-store`: the persistent state of an oidc-provider authorization server in its own
 * PostgreSQL database (table `oidc_payloads`, see the IdPs' migrations) — sessions, grants, codes,
 * tokens and replay-detection entries survive a restart and are shared by every instance — and a
 * one-time-use `jti` store on the same table.
 *
 * @module
 */
export { postgresAdapter } from './postgres-adapter.ts'
export { PostgresReplayStore } from './postgres-replay-store.ts'
export type { PostgresReplayStoreOptions } from './postgres-replay-store.ts'
