#!/bin/sh
# hearth-test/postgres:15 entrypoint. Honours the official image's env contract:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (default
#   postgres), POSTGRES_DB (default: the user), POSTGRES_HOST_AUTH_METHOD (default scram-sha-256),
#   POSTGRES_INITDB_ARGS (only when PGDATA is empty, e.g. a fresh volume or tmpfs), and
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz on a data directory's first start.
# The cluster was initialised at build time, with a spare database (hearth_spare, a copy of
# template1). A container's first start costs one single-user backend (~30 ms): set the password,
# create the role, and rename the spare database to POSTGRES_DB (CREATE DATABASE would take
# ~0.1 s more), or drop it when POSTGRES_DB is postgres.
# Differences from the official image: the role "postgres" always exists (it is the bootstrap
# superuser of the prebuilt cluster); locale C, encoding UTF8; fsync off; no JIT.
set -eu

pgdata=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

write_hba() { # $1: the auth method for connections from the network
  cat >"$pgdata/pg_hba.conf" <<HBA
# hearth test image (written by docker-entrypoint.sh)
local all all trust
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
host all all all $1
HBA
}

ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

init_cluster() { # initdb, test settings, the spare database. $@: more initdb arguments
  TZ=Etc/UTC initdb -D "$pgdata" --username=postgres --encoding=UTF8 --locale=C --auth-local=trust \
    --auth-host=scram-sha-256 --no-sync --no-instructions "$@" >/dev/null
  cat >>"$pgdata/postgresql.conf" <<CONF

# hearth test image
listen_addresses = '*'
unix_socket_directories = '/var/run/postgresql'
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
CONF
  write_hba scram-sha-256
  printf 'CREATE DATABASE hearth_spare STRATEGY FILE_COPY;\n\n' | single # (FILE_COPY: ~no WAL)
}

single() { # SQL on stdin, one statement per ";<blank line>", through a single-user backend
  out=$(postgres --single -j -D "$pgdata" -c fsync=off -c jit=off postgres 2>&1 >/dev/null) || {
    printf '%s\n' "$out" >&2
    return 1
  }
  case $out in *ERROR:* | *FATAL:*) printf '%s\n' "$out" >&2; return 1 ;; esac
}

first_start() {
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$method" != trust ]; then
    cat >&2 <<MSG
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       Or set POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password.
MSG
    exit 1
  fi
  write_hba "$method"
  sql=$(
    if [ "$method" = md5 ]; then printf "SET password_encryption = 'md5';\n\n"; fi
    pass=
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then pass=" PASSWORD $(literal "$POSTGRES_PASSWORD")"; fi
    if [ "$user" = postgres ]; then
      [ -z "$pass" ] || printf 'ALTER ROLE postgres%s;\n\n' "$pass"
    else
      printf 'CREATE ROLE %s SUPERUSER LOGIN%s;\n\n' "$(ident "$user")" "$pass"
    fi
    if [ "$db" = postgres ]; then
      printf 'DROP DATABASE hearth_spare;\n\n'
    else
      [ "$db" = hearth_spare ] || printf 'ALTER DATABASE hearth_spare RENAME TO %s;\n\n' "$(ident "$db")"
      [ "$user" = postgres ] || printf 'ALTER DATABASE %s OWNER TO %s;\n\n' "$(ident "$db")" "$(ident "$user")"
    fi
  )
  if [ -n "$sql" ]; then printf '%s\n\n' "$sql" | single; fi
  if [ "$method" = md5 ]; then echo "password_encryption = md5" >>"$pgdata/postgresql.conf"; fi

  set -- /docker-entrypoint-initdb.d/*
  if [ -e "$1" ]; then
    pg_ctl -D "$pgdata" -o "-c listen_addresses=''" -w -s start
    export PGUSER="$user" PGDATABASE="$db"
    for f; do
      case $f in
        *.sh) echo "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 -q -f "$f" ;;
        *.sql.gz) echo "running $f"; gunzip -c "$f" | psql -v ON_ERROR_STOP=1 -q ;;
        *) echo "ignoring $f" ;;
      esac
    done
    pg_ctl -D "$pgdata" -m fast -w -s stop
  fi
  : >"$pgdata/.hearth-initialised"
}

if [ "${1:-}" = --init-cluster ]; then shift; init_cluster "$@"; exit 0; fi
if [ "${1#-}" != "${1:-}" ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "hearth-test/postgres runs as the user postgres, not root" >&2
    exit 1
  fi
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    # An empty data directory (a fresh volume or tmpfs): the slow path, initdb now.
    mkdir -p "$pgdata"
    chmod 700 "$pgdata"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is split on purpose, like the official image
    init_cluster ${POSTGRES_INITDB_ARGS:-}
  fi
  if [ ! -e "$pgdata/.hearth-initialised" ]; then first_start; fi

  # postgres is not PID 1 so that SIGTERM (docker's default stop signal, or one sent by hand) can
  # mean a fast shutdown (SIGINT): postgres itself would wait for every client to disconnect.
  shift
  pid=
  trap 'kill -INT "$pid" 2>/dev/null || :' INT TERM
  trap 'kill -QUIT "$pid" 2>/dev/null || :' QUIT
  postgres "$@" &
  pid=$!
  status=0
  while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" && status=0 || status=$?
  done
  exit "$status"
fi

exec "$@"
