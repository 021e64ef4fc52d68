/**
 * The environment the runner would give `service`, pointing at a test secrets folder, with
 * silent logs. Unit tests use `app.inject()`, so `PORT` is never bound.
 *
 * @example
 * ```ts
 * const env = testServiceEnv('orders-api', secrets.dir, { IDP_URL: 'https://127.0.0.1:4000' })
 * const app = await buildApp(loadServiceConfig(env))
 * ```
 */
export function testServiceEnv(
  service: string,
  secretsDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SERVICE_NAME: service,
    HOST: '127.0.0.1',
    PORT: '1',
    SECRETS_DIR: secretsDir,
    PKI_DIR: secretsDir,
    LOG_LEVEL: 'silent',
    ...extra,
  }
}
