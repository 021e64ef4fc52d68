/**
 * `@mythical/service-kit/testing`: throw-away workload identities for unit tests. Each call
 * mints certificates in memory with `@mythical/pki` and writes them to a temporary secrets
 * folder laid out like `.stack/secrets/<service>/`, so a test exercises the real loading path.
 *
 * @module
 */
export { createTestCa, createTestSecrets, type TestSecrets } from './test-secrets.ts'
export { testServiceEnv } from './test-env.ts'
export { UNREACHABLE_DEPENDENCIES } from './unreachable-dependencies.ts'
export { httpsGetJson, startTestServer } from './https-test-server.ts'
export {
  createTestIssuer,
  TEST_ISSUER,
  type TestIssuer,
  type TestTokenClaims,
} from './test-issuer.ts'
export {
  captureAuditLines,
  serveForMtlsCalls,
  stackWorkload,
  startStackServiceForTest,
  type MtlsCallResult,
} from './mtls-test-caller.ts'
export { startTestHop, type SeenRequest, type TestHop } from './test-hop.ts'
export {
  assertDenied,
  createHopTestClient,
  type HopTestClient,
  type HopTestRequest,
  type HopTestResponse,
} from './hop-client.ts'
export { workloadTokenClient } from './workload-token-client.ts'
export { exchangeChain, type ChainHop } from './exchange-chain.ts'
