#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster, then remove the cluster.
#
#   scripts/with_postgres.sh COMMAND [ARGS...]
#
# Installs PostgreSQL from Debian's packages when no server binaries are found,
# creates a cluster in a temporary directory (as the `postgres` user when run as
# root: initdb refuses root), starts it on a free port of 127.0.0.1 with trust
# authentication, creates the database `budgetcurves`, and runs COMMAND with the
# libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE set (profiles.yml's
# `postgres` target and the loader read the same ones) and
# BUDGETCURVES_TEST_POSTGRES=1. The cluster is stopped and deleted on exit,
# whatever COMMAND returned; the script exits with COMMAND's status.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

log() { echo "with_postgres: $*" >&2; }

find_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "no PostgreSQL server found; install it with: sudo apt-get install postgresql"
        exit 1
    fi
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends postgresql >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends postgresql >/dev/null; }
    bindir=$(find_bindir)
    [ -n "$bindir" ] || { log "postgresql installed, but no server binaries under /usr/lib/postgresql"; exit 1; }
fi

# initdb and the server refuse to run as root: use the package's `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    as_owner() { runuser -u postgres -- "$@"; }
    owner=postgres
    base=/tmp  # not $TMPDIR: root's may be closed to the postgres user
else
    as_owner() { "$@"; }
    owner=$(id -un)
    base=${TMPDIR:-/tmp}
fi

dir=$(mktemp -d "$base/budgetcurves-pg.XXXXXX")
chown "$owner" "$dir"
chmod 700 "$dir"
data="$dir/data"

cleanup() {
    local status=$?
    if [ -f "$data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_owner "$bindir/initdb" -D "$data" -U budgetcurves --auth=trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# A throwaway cluster: durability off, sockets in the temp dir, TCP on loopback only.
if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null; then
    cat "$dir/server.log" >&2
    exit 1
fi

export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=budgetcurves PGPASSWORD="" PGDATABASE=budgetcurves
export BUDGETCURVES_TEST_POSTGRES=1
"$bindir/createdb" budgetcurves
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $PGHOST:$PGPORT ($dir)"

set +e
"$@"
status=$?
set -e
exit "$status"
