#!/bin/sh
# Build time (RUN, as root): directories owned by postgres, then the cluster, initialised as
# postgres by the entrypoint's own code (docker-entrypoint.sh --init-cluster). 1 MB WAL segments:
# overlayfs copies a whole file up on a container's first write to it, 16 MB by default.
set -eu
mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d
chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
chmod 700 /var/lib/postgresql/data
chmod 2777 /var/run/postgresql
chmod 1777 /tmp
su -s /bin/sh postgres -c '/usr/local/bin/docker-entrypoint.sh --init-cluster --wal-segsize=1'
