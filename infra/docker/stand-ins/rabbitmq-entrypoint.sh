#!/bin/bash
# Entrypoint of the rabbitmq stand-in, as the official one: root drops to the rabbitmq user;
# any other uid runs the command as it is.
set -euo pipefail
if [ "$(id -u)" = '0' ] && [ "${1:-}" = 'rabbitmq-server' ]; then
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"
fi
exec "$@"
