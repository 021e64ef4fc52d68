/**
 * Container images of the compose stack. The Node base is pinned to the exact version the local
 * runner uses; PostgreSQL and RabbitMQ follow their major line (security patches). None carries
 * a `@sha256:` digest: this repository is built without access to a container registry, so a
 * digest could not be resolved and checked here — pin digests where images are built in CI
 * (docs/running-the-stack.md).
 */

/** Base image of every Node workload: the same Node as the pinned `node` devDependency. */
export const NODE_BASE_IMAGE = 'node:24.21.0-bookworm-slim'
/** The one image built from infra/docker/node-service.Dockerfile and shared by all workloads. */
export const NODE_SERVICE_IMAGE = 'mythical-retail/node-service:local'
/** Same major version as the Debian 12 server the local runner uses. */
export const POSTGRES_IMAGE = 'postgres:15-bookworm'
/** Last 3.x line: reads the same `rabbitmq.conf` keys as Debian 12's 3.10 used locally. */
export const RABBITMQ_IMAGE = 'rabbitmq:3.13'

/** The uid:gid of the `node` user in the Node image; PostgreSQL and RabbitMQ run as it too. */
export const RUNTIME_USER = '1000:1000'

export const NODE_SERVICE_BUILD = {
  context: '.',
  dockerfile: 'infra/docker/node-service.Dockerfile',
} as const
