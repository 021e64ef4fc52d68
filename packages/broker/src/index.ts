/**
 * `@mythical/broker`: authenticated, mutually authenticated TLS connections to the stack's
 * RabbitMQ, with each service's own least-privilege broker user.
 *
 * @module
 */
export { connectBroker, DEFAULT_CONNECT_TIMEOUT_MS } from './connect-broker.ts'
export type { ConnectBrokerOptions } from './connect-broker.ts'
export { checkBroker } from './check-broker.ts'
export {
  BROKER_SECRET_FILES,
  parseBrokerCredentials,
  readBrokerCredentials,
} from './credentials.ts'
export type { BrokerCredentials } from './credentials.ts'
export {
  BrokerCheckFailed,
  BrokerConnectionFailed,
  BrokerCredentialsInvalid,
  BrokerError,
} from './errors.ts'
export type { BrokerErrorCode } from './errors.ts'
