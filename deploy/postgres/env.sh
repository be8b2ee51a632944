# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this file
# Shared environment for the local (developer / CI) PostgreSQL cluster used by the Pymar.Hosting.Sql tests.
# Sourced by start-local.sh and stop-local.sh; not meant to be executed directly.
#
# The cluster lives under PYMAR_PG_BASE (default /var/tmp/pymar-postgres) and listens on 127.0.0.1:5433 only,
# independent of the distribution's clusters (/etc/postgresql, port 5432), which it never starts or touches.

PYMAR_PG_BASE="${PYMAR_PG_BASE:-/var/tmp/pymar-postgres}"
PYMAR_PG_DATA="$PYMAR_PG_BASE/data"
PYMAR_PG_SOCKETS="$PYMAR_PG_BASE/run"
PYMAR_PG_LOG="$PYMAR_PG_BASE/postgres.log"
PYMAR_PG_HOST=127.0.0.1
PYMAR_PG_PORT="${PYMAR_PG_PORT:-5433}"
# The role and database the tests use (Host=127.0.0.1;Port=5433;Username=pymar;Password=pymar;Database=pymar).
PYMAR_PG_USER=pymar
PYMAR_PG_PASSWORD=pymar
PYMAR_PG_DATABASE=pymar
PYMAR_PG_MARKER="$PYMAR_PG_BASE/started-by-pymar"

# The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin), or empty.
pymar_pg_bin() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

# Runs a command as the cluster's owner: postgres refuses to run as root, so root runs it as the postgres user.
pymar_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Succeeds when the test role can log in to the test database over TCP with its password. Bounded to ~5 s.
pymar_pg_probe() {
    PGPASSWORD="$PYMAR_PG_PASSWORD" PGCONNECT_TIMEOUT=3 timeout 5 \
        psql -X -q -w -h "$PYMAR_PG_HOST" -p "$PYMAR_PG_PORT" -U "$PYMAR_PG_USER" -d "$PYMAR_PG_DATABASE" \
        -tAc 'SELECT 1' >/dev/null 2>&1
}

# Plain TCP connect to 127.0.0.1:$PYMAR_PG_PORT.
pymar_pg_tcp_probe() {
    timeout 5 bash -c 'exec 3<>/dev/tcp/'"$PYMAR_PG_HOST"'/'"$PYMAR_PG_PORT" 2>/dev/null
}
