/**
 * Compose entries of the PKI job, PostgreSQL and RabbitMQ. They run as the same unprivileged
 * user as the workloads with the same hardening; their data lives on tmpfs (a dev stack: state
 * is rebuilt on every `up`, and nothing needs root to chown a data volume).
 */
import { INFRASTRUCTURE } from '../stack.ts'
import { pkiIdentities } from '../pki/identities.ts'
import { COMPOSE_MOUNTS } from '../runner/environment.ts'
import { HARDENING, tmpfsMounts } from './hardening.ts'
import { NODE_SERVICE_BUILD, NODE_SERVICE_IMAGE, POSTGRES_IMAGE, RABBITMQ_IMAGE } from './images.ts'
import { PKI_INIT } from './node-service.ts'
import type { ComposeService, VolumeMount } from './types.ts'
import { APP_DIR, EXPORT_DIR, PKI_STATE_VOLUME, PKI_VOLUME, secretsVolume } from './volumes.ts'

const volume = (source: string, target: string, readOnly: boolean): VolumeMount => ({
  type: 'volume',
  source,
  target,
  read_only: readOnly,
})
const bind = (source: string, target: string): VolumeMount => ({
  type: 'bind',
  source,
  target,
  read_only: true,
})

/** Infrastructure servers own their secrets volume too (server certificate, admin password). */
const serverMounts = (name: 'postgres' | 'rabbitmq'): VolumeMount[] => [
  volume(secretsVolume(name), COMPOSE_MOUNTS.secrets, true),
  volume(PKI_VOLUME, COMPOSE_MOUNTS.pki, true),
]

/**
 * The one-shot job that runs the PKI tool (infra/src/compose/init-job.ts) in its private state
 * volume and exports the public part and each identity's secrets into their volumes. It is the
 * only container that sees the CA keys and more than one secrets folder.
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
      ...pkiIdentities().map(({ name }) =>
        volume(secretsVolume(name), `${EXPORT_DIR}/secrets/${name}`, false),
      ),
    ],
  }
}

const initDone = { [PKI_INIT]: { condition: 'service_completed_successfully' } } as const

/** PostgreSQL: TLS only (pg_hba.conf has only `hostssl` lines), client certificate required. */
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
      'password_encryption=scram-sha-256',
    ],
    ...HARDENING,
    tmpfs: tmpfsMounts('/var/run/postgresql', '/var/lib/postgresql/data'),
    mem_limit: '256m',
    environment: {
      POSTGRES_USER: 'mythical_admin',
      POSTGRES_PASSWORD_FILE: `${secrets}/admin-password`,
    },
    volumes: [
      ...serverMounts('postgres'),
      bind('./infra/docker/pg_hba.conf', '/etc/mythical/pg_hba.conf'),
    ],
    healthcheck: {
      test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(INFRASTRUCTURE.postgres.port)],
      interval: '5s',
      timeout: '5s',
      retries: 10,
      start_period: '30s',
    },
    depends_on: initDone,
    restart: 'unless-stopped',
  }
}

/** RabbitMQ: AMQPS only, client certificate required (infra/docker/rabbitmq.conf). */
export function rabbitmqService(): ComposeService {
  return {
    image: RABBITMQ_IMAGE,
    ...HARDENING,
    tmpfs: tmpfsMounts('/var/lib/rabbitmq', '/var/log/rabbitmq'),
    mem_limit: '384m',
    environment: {
      RABBITMQ_DEFAULT_USER: 'mythical_admin',
      RABBITMQ_DEFAULT_PASS_FILE: `${COMPOSE_MOUNTS.secrets}/admin-password`,
      RABBITMQ_DEFAULT_VHOST: INFRASTRUCTURE.rabbitmq.vhost,
    },
    volumes: [
      ...serverMounts('rabbitmq'),
      bind('./infra/docker/rabbitmq.conf', '/etc/rabbitmq/conf.d/90-mythical.conf'),
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
