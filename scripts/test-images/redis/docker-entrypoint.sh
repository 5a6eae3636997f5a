#!/bin/sh
# hearth-test/redis:7 entrypoint, shaped like the official image's: `docker run IMAGE --opt x` and
# `docker run IMAGE x.conf` run redis-server with them. Without a config file of its own,
# redis-server reads /etc/redis/redis.conf (bind 0.0.0.0, protected-mode no, nothing persisted)
# before the options given, so `redis-server --requirepass s` keeps those defaults.
set -eu
if [ "${1#-}" != "${1:-}" ] || [ "${1%.conf}" != "${1:-}" ]; then set -- redis-server "$@"; fi
if [ "${1:-}" = redis-server ]; then
  shift
  case ${1:-} in
    *.conf) ;;
    *) set -- /etc/redis/redis.conf "$@" ;;
  esac
  # Debian's redis-server is redis-check-rdb under another name: it picks its mode from argv[0].
  exec redis-server "$@"
fi
exec "$@"
