import { join } from 'node:path'
import { INFRASTRUCTURE, type StackPaths } from '@mythical/stack'

/**
 * Erlang node name of the stack's broker. Distinct from the machine's own node (`rabbit@<host>`),
 * so `rabbitmqctl -n` can never reach, change or stop the shared broker by accident.
 */
export const NODE_NAME = 'mythical@localhost'

/** Which node: its Erlang name, its AMQPS port and its distribution port. */
export interface NodeInstance {
  readonly nodeName: string
  readonly port: number
  readonly distPort: number
}

/** The stack's own node. A test that must restart a broker runs another instance beside it. */
export const STACK_NODE: NodeInstance = {
  nodeName: NODE_NAME,
  port: INFRASTRUCTURE.rabbitmq.port,
  distPort: INFRASTRUCTURE.rabbitmq.distPort,
}

/** Every file and folder of a RabbitMQ node of the stack, all under `<paths>/.stack/rabbitmq/`. */
export function rabbitmqLayout(paths: StackPaths, instance: NodeInstance = STACK_NODE) {
  const base = paths.rabbitmq
  const tls = join(base, 'tls')
  return {
    ...instance,
    base,
    /** Held while starting, provisioning or stopping the node (outside the broker-owned folder). */
    lock: join(paths.run, 'rabbitmq.lock'),
    configFile: join(base, 'rabbitmq.conf'),
    advancedConfigFile: join(base, 'advanced.config'),
    envFile: join(base, 'rabbitmq-env.conf'),
    enabledPluginsFile: join(base, 'enabled_plugins'),
    pidFile: join(base, 'rabbitmq.pid'),
    mnesiaBase: join(base, 'mnesia'),
    logBase: join(base, 'log'),
    definitionsFile: join(base, 'definitions.json'),
    /** Compiled Erlang modules of the node's own (the TLS `verify_fun`), on its code path. */
    ebin: join(base, 'ebin'),
    /** Marker: this node started epmd, so stopping it may stop epmd too. */
    epmdMarker: join(base, 'epmd-started-here'),
    tls,
    /** Copies of `secrets/rabbitmq/tls.{crt,key}`, owned by the `rabbitmq` OS user. */
    certFile: join(tls, 'tls.crt'),
    keyFile: join(tls, 'tls.key'),
    /** CAs whose workloads may connect: retail and the shipping partner (never cardvault). */
    caBundleFile: join(tls, 'client-ca-bundle.pem'),
  }
}
export type RabbitmqLayout = ReturnType<typeof rabbitmqLayout>

/**
 * Environment for `rabbitmq-server` and `rabbitmqctl`: every path points into `.stack/rabbitmq/`,
 * including the env file, so `/etc/rabbitmq/rabbitmq-env.conf` of the shared node is never read.
 */
export function nodeEnvironment(layout: RabbitmqLayout): Record<string, string> {
  return {
    RABBITMQ_NODENAME: layout.nodeName,
    RABBITMQ_CONF_ENV_FILE: layout.envFile,
    RABBITMQ_CONFIG_FILE: layout.configFile,
    RABBITMQ_ADVANCED_CONFIG_FILE: layout.advancedConfigFile,
    RABBITMQ_MNESIA_BASE: layout.mnesiaBase,
    RABBITMQ_LOG_BASE: layout.logBase,
    RABBITMQ_ENABLED_PLUGINS_FILE: layout.enabledPluginsFile,
    RABBITMQ_PID_FILE: layout.pidFile,
    RABBITMQ_DIST_PORT: String(layout.distPort),
    // Erlang distribution and epmd answer on loopback only: whoever reaches them with the cookie
    // controls the node.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-kernel inet_dist_use_interface {127,0,0,1} -pa ${layout.ebin}`,
    ERL_EPMD_ADDRESS: '127.0.0.1',
  }
}
