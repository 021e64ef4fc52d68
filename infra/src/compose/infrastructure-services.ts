/**
 * Compose entries of the PKI job, PostgreSQL and RabbitMQ. They run as the same unprivileged
 * user as the workloads with the same hardening. Their data lives on named volumes, so orders,
 * outbox rows and queued events survive a container restart (both images create their data
 * directories with mode 1777 for arbitrary uids, which a new volume inherits: no root chown).
 */
import { INFRASTRUCTURE, COMPOSE_MOUNTS } from '@mythical/stack'
import { hasOwnSecretsFolder, pkiIdentities } from '../pki/identities.ts'
import { LOG_PRIVACY_SETTINGS } from '../postgres/server-files.ts'
import { POSTGRES_ADMIN_USER } from './database-admin.ts'
import {
  ADVANCED_CONFIG_TARGET,
  BROKER_ADVANCED_CONFIG_FILE,
  brokerCommand,
  brokerEnvironment,
  VERIFY_MODULE_SOURCE,
  VERIFY_MODULE_TARGET,
} from './broker-tls.ts'
import { ADMIN_PASSWORD_FILE } from './export-pki.ts'
import { HARDENING, tmpfsMounts } from './hardening.ts'
import { PG_IDENT_FILE, PG_IDENT_TARGET } from './pg-ident-file.ts'
import { DATA_VOLUMES, volumeMount } from './volumes.ts'
import { NODE_SERVICE_BUILD, NODE_SERVICE_IMAGE, POSTGRES_IMAGE, RABBITMQ_IMAGE } from './images.ts'
import { PKI_INIT } from './node-service.ts'
import type { ComposeService, VolumeMount } from './types.ts'
import {
  APP_DIR,
  EXPORT_DIR,
  PKI_STATE_VOLUME,
  PKI_VOLUME,
  secretsVolume,
  volumeMount as volume,
} from './volumes.ts'

const POSTGRES_DATA_DIR = '/var/lib/postgresql/data'

const bind = (source: string, target: string): VolumeMount => ({
  type: 'bind',
  source,
  target,
  read_only: true,
})

/**
 * Infrastructure servers own their secrets volume too: server certificate, and PostgreSQL's admin
 * password or RabbitMQ's definitions file.
 */
const serverMounts = (name: 'postgres' | 'rabbitmq'): VolumeMount[] => [
  volume(secretsVolume(name), COMPOSE_MOUNTS.secrets, true),
  volume(PKI_VOLUME, COMPOSE_MOUNTS.pki, true),
]

/**
 * The one-shot job that runs the PKI tool (infra/src/compose/init-job.ts) in its private state
 * volume, writes the broker credentials and definitions, and exports the public part and each
 * identity's secrets into their volumes. It is the only container that sees the CA keys, and
 * with `db-provision` the only one that mounts more than one secrets folder.
 */
export function pkiInitService(): ComposeService {
  return {
    image: NODE_SERVICE_IMAGE,
    build: NODE_SERVICE_BUILD,
    command: ['node', 'infra/src/compose/init-job.ts'],
    ...HARDENING,
    tmpfs: tmpfsMounts(),
    volumes: [
      volume(PKI_STATE_VOLUME, `${APP_DIR}/.stack`, false),
      volume(PKI_VOLUME, `${EXPORT_DIR}/pki`, false),
      ...pkiIdentities()
        .filter(hasOwnSecretsFolder)
        .map(({ name }) => volume(secretsVolume(name), `${EXPORT_DIR}/secrets/${name}`, false)),
    ],
  }
}

const initDone = { [PKI_INIT]: { condition: 'service_completed_successfully' } } as const

/**
 * PostgreSQL: TLS only, client certificate required (infra/docker/pg_hba.conf): the superuser
 * with SCRAM plus a trusted certificate, every service role by its certificate's DN, mapped to
 * that role by the generated infra/docker/pg_ident.conf.
 */
export function postgresService(): ComposeService {
  const secrets = COMPOSE_MOUNTS.secrets
  return {
    image: POSTGRES_IMAGE,
    command: [
      'postgres',
      '-c',
      `port=${INFRASTRUCTURE.postgres.port}`,
      '-c',
      'ssl=on',
      '-c',
      'ssl_min_protocol_version=TLSv1.3',
      '-c',
      `ssl_cert_file=${secrets}/tls.crt`,
      '-c',
      `ssl_key_file=${secrets}/tls.key`,
      '-c',
      `ssl_ca_file=${COMPOSE_MOUNTS.pki}/ca-bundle.pem`,
      '-c',
      'hba_file=/etc/mythical/pg_hba.conf',
      '-c',
      `ident_file=${PG_IDENT_TARGET}`,
      '-c',
      'password_encryption=scram-sha-256',
      ...Object.entries(LOG_PRIVACY_SETTINGS).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
    ...HARDENING,
    tmpfs: tmpfsMounts('/var/run/postgresql'),
    mem_limit: '256m',
    environment: {
      POSTGRES_USER: POSTGRES_ADMIN_USER,
      POSTGRES_PASSWORD_FILE: `${secrets}/${ADMIN_PASSWORD_FILE}`,
      // A subfolder, as the image documents for mounted data directories.
      PGDATA: `${POSTGRES_DATA_DIR}/pgdata`,
    },
    volumes: [
      volumeMount(DATA_VOLUMES.postgres, POSTGRES_DATA_DIR, false),
      ...serverMounts('postgres'),
      bind('./infra/docker/pg_hba.conf', '/etc/mythical/pg_hba.conf'),
      bind(`./${PG_IDENT_FILE}`, PG_IDENT_TARGET),
    ],
    healthcheck: {
      // -U and -d: the container's uid (1000) has no passwd entry, and pg_isready without a user
      // name exits 3 ("no attempt") before it tries the server (seen in the first compose up).
      test: [
        'CMD',
        'pg_isready',
        '-h',
        '127.0.0.1',
        '-p',
        String(INFRASTRUCTURE.postgres.port),
        '-U',
        POSTGRES_ADMIN_USER,
        '-d',
        'postgres',
      ],
      interval: '5s',
      timeout: '5s',
      retries: 10,
      start_period: '30s',
    },
    depends_on: initDone,
    restart: 'unless-stopped',
  }
}

/**
 * RabbitMQ: AMQPS only, client certificate required and the only login (SASL EXTERNAL,
 * infra/docker/rabbitmq.conf), each issuing CA's name constraints applied (broker-tls.ts). It boots from
 * `secrets-rabbitmq/definitions.json` (written by `pki-init`): users, permissions and topology
 * exist before the first connection, and no default user is created, hence no admin
 * credentials here — the healthcheck's CLI authenticates with the node's Erlang cookie.
 */
export function rabbitmqService(): ComposeService {
  return {
    image: RABBITMQ_IMAGE,
    command: brokerCommand(),
    ...HARDENING,
    tmpfs: tmpfsMounts('/var/log/rabbitmq'),
    mem_limit: '384m',
    environment: brokerEnvironment(),
    volumes: [
      volumeMount(DATA_VOLUMES.rabbitmq, '/var/lib/rabbitmq', false),
      ...serverMounts('rabbitmq'),
      bind('./infra/docker/rabbitmq.conf', '/etc/rabbitmq/conf.d/90-mythical.conf'),
      bind(`./${BROKER_ADVANCED_CONFIG_FILE}`, ADVANCED_CONFIG_TARGET),
      bind(`./${VERIFY_MODULE_SOURCE}`, VERIFY_MODULE_TARGET),
      // Certificate-only login (SASL EXTERNAL) needs rabbitmq_auth_mechanism_ssl.
      bind('./infra/docker/rabbitmq-enabled-plugins', '/etc/rabbitmq/enabled_plugins'),
    ],
    healthcheck: {
      test: ['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity'],
      interval: '10s',
      timeout: '10s',
      retries: 10,
      start_period: '60s',
    },
    depends_on: initDone,
    restart: 'unless-stopped',
  }
}
