# Stand-in for rabbitmq:3.13 (see README.md beside this file): Debian 12's RabbitMQ (3.10), laid
# out as the official image is: HOME and data in /var/lib/rabbitmq, conf.d read at boot, the
# server's own scripts (not Debian's root-only wrappers) on the PATH so any uid can run them.
ARG BASE_IMAGE=mythical-retail/bookworm-minbase:local
FROM ${BASE_IMAGE}
RUN groupadd --system --gid 999 rabbitmq \
 && useradd --system --uid 999 --gid rabbitmq --home-dir /var/lib/rabbitmq rabbitmq \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /var/lib/rabbitmq /etc/rabbitmq/rabbitmq-env.conf \
 && mkdir -p /var/lib/rabbitmq /etc/rabbitmq/conf.d /var/log/rabbitmq \
 && chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq /var/log/rabbitmq \
 && chmod 777 /var/lib/rabbitmq /etc/rabbitmq /etc/rabbitmq/conf.d /var/log/rabbitmq
COPY rabbitmq-10-defaults.conf /etc/rabbitmq/conf.d/10-defaults.conf
ENV PATH=/usr/lib/rabbitmq/bin:$PATH HOME=/var/lib/rabbitmq RABBITMQ_DATA_DIR=/var/lib/rabbitmq
VOLUME /var/lib/rabbitmq
COPY rabbitmq-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 4369 5671 5672 25672
CMD ["rabbitmq-server"]
