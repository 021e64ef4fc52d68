/**
 * `database.json` and `amqp.json` contents that point at a closed local port: a unit test can
 * build a service with its real readiness checks and see them fail fast, without a server.
 *
 * @example
 * ```ts
 * await createTestSecrets('orders-api', { extraFiles: UNREACHABLE_DEPENDENCIES })
 * ```
 */
export const UNREACHABLE_DEPENDENCIES: Readonly<Record<string, string>> = {
  'database.json': JSON.stringify({
    host: '127.0.0.1',
    port: 1,
    database: 'unit_test',
    user: 'unit_test',
  }),
  'amqp.json': JSON.stringify({
    host: '127.0.0.1',
    port: 1,
    vhost: 'unit-test',
    username: 'unit_test',
    password: 'not-a-real-password',
  }),
}
