/**
 * `@mythical/config`: the only way services read `process.env` and their secret files.
 *
 * @module
 */
export { ConfigError } from './config-error.ts'
export type { ConfigProblem } from './config-error.ts'
export { loadConfig } from './load-config.ts'
export { absolutePathVar, LOG_LEVELS, portVar, serviceEnv, urlVar } from './service-env.ts'
export { readJsonSecret, readSecretFile, SecretFileError } from './secret-file.ts'
export type { SecretFileErrorCode } from './secret-file.ts'
export { SECRET_ACCESS_DENIED_REASON } from './secret-access-audit.ts'
