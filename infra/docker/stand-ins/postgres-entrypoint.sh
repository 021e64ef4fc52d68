#!/bin/bash
# Entrypoint of the postgres stand-in: the parts of the official docker-entrypoint.sh that
# compose relies on. First start (empty PGDATA): initdb as POSTGRES_USER with the password from
# POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, then a socket-only temporary server (with the
# same -c options as the real one, so the mounted pg_hba.conf already applies) creates
# POSTGRES_DB and runs /docker-entrypoint-initdb.d/*.sh|*.sql. Then exec postgres "$@".
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"; fi
  : "${POSTGRES_PASSWORD:?the postgres stand-in needs POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}"
  POSTGRES_USER="${POSTGRES_USER:-postgres}"
  POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
  # initdb refuses a uid without a passwd entry (compose runs it as 1000): lend it one, as the
  # official image does, through nss_wrapper for the set-up only.
  if ! getent passwd "$(id -u)" > /dev/null; then
    NSS_WRAPPER_PASSWD="$(mktemp)" NSS_WRAPPER_GROUP="$(mktemp)"
    echo "postgres:x:$(id -u):$(id -g):PostgreSQL:$PGDATA:/bin/false" > "$NSS_WRAPPER_PASSWD"
    echo "postgres:x:$(id -g):" > "$NSS_WRAPPER_GROUP"
    export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP LD_PRELOAD=libnss_wrapper.so
  fi
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  shift
  socket_dir="$(mktemp -d)"
  # The temporary server listens on PGPORT (default 5432) whatever `-c port=` the command names,
  # as the official image's does: psql below dials that port (it found no socket at 5432 when
  # compose's `-c port=55432` applied, the first start failed and only a restart went on).
  export PGPORT="${PGPORT:-5432}"
  options="-c listen_addresses='' -c unix_socket_directories=$socket_dir"
  if [ $# -gt 0 ]; then options="$(printf '%q ' "$@") $options"; fi
  pg_ctl -D "$PGDATA" -w start -o "$options -p $PGPORT"
  export PGHOST="$socket_dir" PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD"
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    psql -v ON_ERROR_STOP=1 --dbname postgres -c "CREATE DATABASE \"$POSTGRES_DB\";"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) . "$f" ;;
      *.sql) psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" -f "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGHOST PGPORT PGUSER PGPASSWORD POSTGRES_PASSWORD LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
  rm -rf "$socket_dir"
  set -- postgres "$@"
fi

exec "$@"
