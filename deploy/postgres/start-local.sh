#!/usr/bin/env bash
# Start a local PostgreSQL cluster for the Pymar.Hosting.Sql tests and examples.
#
#   deploy/postgres/start-local.sh     # idempotent; fast no-op when it already answers
#   deploy/postgres/stop-local.sh
#
# - installs Debian's postgresql if missing (without starting the distribution's own cluster),
# - exits 0 at once if role pymar can already log in to database pymar on 127.0.0.1:5433,
# - otherwise creates (first time) and starts a cluster under /var/tmp/pymar-postgres, owned by the postgres
#   user (postgres refuses to run as root), listening on 127.0.0.1:5433 only, creates role pymar (password
#   pymar) and database pymar, and waits (bounded) until they accept connections.
# Connection string: Host=127.0.0.1;Port=5433;Username=pymar;Password=pymar;Database=pymar
# The cluster is for tests: fsync is off, so a machine crash can lose its data.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

START_TIMEOUT="${PYMAR_PG_START_TIMEOUT:-60}"

log() { echo "postgres: $*"; }
fail() {
    echo "postgres: ERROR: $*" >&2
    if [ -s "$PYMAR_PG_LOG" ]; then
        echo "---- last 30 lines of $PYMAR_PG_LOG ----" >&2
        tail -n 30 "$PYMAR_PG_LOG" >&2
    fi
    exit 1
}

# ---------------------------------------------------------------- install
POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP="$POLICY.pymar-backup"
restore_policy() {
    rm -f "$POLICY"
    if [ -e "$POLICY_BACKUP" ]; then mv -f "$POLICY_BACKUP" "$POLICY"; fi
}

install_postgres() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "postgres: postgresql is not installed and this is not root; run: sudo $0" >&2
        exit 1
    fi
    log "installing postgresql (apt-get)…"
    local t0=$SECONDS
    # Forbid the package's postinst (invoke-rc.d) from starting the distribution's own cluster: we run our own.
    if [ -e "$POLICY" ] && [ ! -e "$POLICY_BACKUP" ]; then mv -f "$POLICY" "$POLICY_BACKUP"; fi
    printf '#!/bin/sh\n# temporary, written by pymar deploy/postgres/start-local.sh\nexit 101\n' > "$POLICY"
    chmod 755 "$POLICY"
    trap restore_policy EXIT
    export DEBIAN_FRONTEND=noninteractive
    local apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    mkdir -p "$PYMAR_PG_BASE"
    local apt_log="$PYMAR_PG_BASE/apt-install.log"
    if ! { apt-get "${apt_opts[@]}" update &&
           apt-get "${apt_opts[@]}" install -y --no-install-recommends postgresql postgresql-client; } \
           </dev/null >"$apt_log" 2>&1; then
        echo "postgres: ERROR: apt-get failed; last 30 lines of $apt_log:" >&2
        tail -n 30 "$apt_log" >&2
        exit 1
    fi
    restore_policy
    trap - EXIT
    [ -n "$(pymar_pg_bin)" ] || { echo "postgres: ERROR: postgresql still not installed" >&2; exit 1; }
    log "installed postgresql $(dpkg-query -W -f='${Version}' postgresql) in $((SECONDS - t0)) s"
}

if [ -z "$(pymar_pg_bin)" ] || ! command -v psql >/dev/null 2>&1; then
    install_postgres
fi
BIN="$(pymar_pg_bin)"

# ------------------------------------------------------- already running?
if pymar_pg_probe; then
    log "already running (role $PYMAR_PG_USER logs in to $PYMAR_PG_DATABASE on $PYMAR_PG_HOST:$PYMAR_PG_PORT)"
    exit 0
fi

mkdir -p "$PYMAR_PG_BASE"
# Serialise concurrent start-local.sh runs (the lock fd is closed for the server itself, see below).
exec 9>"$PYMAR_PG_BASE/start.lock"
if ! flock -w $((START_TIMEOUT + 30)) 9; then
    fail "another start-local.sh holds $PYMAR_PG_BASE/start.lock"
fi
if pymar_pg_probe; then
    log "already running (started concurrently)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || fail "there is no postgres user to run the cluster as (is Debian's postgresql installed?)"
    OWNER=postgres
else
    OWNER="$(id -un)"
fi
mkdir -p "$PYMAR_PG_DATA" "$PYMAR_PG_SOCKETS"
chown "$OWNER" "$PYMAR_PG_BASE" "$PYMAR_PG_DATA" "$PYMAR_PG_SOCKETS"
chmod 700 "$PYMAR_PG_DATA"
chmod 755 "$PYMAR_PG_BASE" "$PYMAR_PG_SOCKETS"
touch "$PYMAR_PG_LOG" && chown "$OWNER" "$PYMAR_PG_LOG"

# ---------------------------------------------------------------- initdb
major="$(basename "$(dirname "$BIN")")"
if [ -f "$PYMAR_PG_DATA/PG_VERSION" ] && [ "$(cat "$PYMAR_PG_DATA/PG_VERSION")" != "$major" ]; then
    fail "$PYMAR_PG_DATA holds a PostgreSQL $(cat "$PYMAR_PG_DATA/PG_VERSION") cluster but the installed server is $major; remove $PYMAR_PG_BASE to start over"
fi
if [ ! -f "$PYMAR_PG_DATA/PG_VERSION" ]; then
    log "creating a PostgreSQL $major cluster in $PYMAR_PG_DATA…"
    # The superuser logs in only through the local socket (peer/trust for the owner); everything over TCP needs a password.
    (cd / && pymar_pg_as_owner "$BIN/initdb" -D "$PYMAR_PG_DATA" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$PYMAR_PG_BASE/initdb.log" 2>&1) ||
        { cat "$PYMAR_PG_BASE/initdb.log" >&2; fail "initdb failed"; }
    cat >>"$PYMAR_PG_DATA/postgresql.conf" <<CONF

# ---- written by pymar deploy/postgres/start-local.sh: a throw-away cluster for tests
listen_addresses = '$PYMAR_PG_HOST'
port = $PYMAR_PG_PORT
unix_socket_directories = '$PYMAR_PG_SOCKETS'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

# ----------------------------------------------------------------- start
if pymar_pg_tcp_probe; then
    fail "$PYMAR_PG_HOST:$PYMAR_PG_PORT is in use by something that does not let role $PYMAR_PG_USER log in (another PostgreSQL? set PYMAR_PG_PORT)"
fi
started=false
if ! pymar_pg_as_owner "$BIN/pg_ctl" -D "$PYMAR_PG_DATA" status >/dev/null 2>&1; then
    log "starting PostgreSQL $major on $PYMAR_PG_HOST:$PYMAR_PG_PORT (data $PYMAR_PG_DATA)…"
    t0=$SECONDS
    # -w waits until the server accepts connections, at most -t seconds. Detached: own session, lock fd closed.
    as_owner=()
    if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
    (cd / && setsid "${as_owner[@]}" "$BIN/pg_ctl" -D "$PYMAR_PG_DATA" -l "$PYMAR_PG_LOG" -w -t "$START_TIMEOUT" start \
        </dev/null >/dev/null 2>&1 9>&-) || fail "pg_ctl start failed or timed out after $START_TIMEOUT s"
    started=true
fi

# ------------------------------------------------------ role and database
psql_super() {
    pymar_pg_as_owner psql -X -q -w -v ON_ERROR_STOP=1 -h "$PYMAR_PG_SOCKETS" -p "$PYMAR_PG_PORT" -U postgres -d postgres "$@"
}
deadline=$((SECONDS + START_TIMEOUT))
until (cd / && psql_super -tAc 'SELECT 1' >/dev/null 2>&1); do
    [ "$SECONDS" -lt "$deadline" ] || fail "the cluster did not accept connections within $START_TIMEOUT s"
    sleep 0.5
done
(cd / && psql_super <<SQL) || fail "could not create role $PYMAR_PG_USER or database $PYMAR_PG_DATABASE"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PYMAR_PG_USER') THEN
    CREATE ROLE $PYMAR_PG_USER LOGIN PASSWORD '$PYMAR_PG_PASSWORD';
  ELSE
    ALTER ROLE $PYMAR_PG_USER LOGIN PASSWORD '$PYMAR_PG_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $PYMAR_PG_DATABASE OWNER $PYMAR_PG_USER'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PYMAR_PG_DATABASE') \gexec
SQL

if $started; then
    {
        echo "data=$PYMAR_PG_DATA"
        echo "bin=$BIN"
        echo "pid=$(head -n 1 "$PYMAR_PG_DATA/postmaster.pid" 2>/dev/null || true)"
        echo "started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } > "$PYMAR_PG_MARKER"
fi

until pymar_pg_probe; do
    [ "$SECONDS" -lt "$deadline" ] || fail "role $PYMAR_PG_USER cannot log in to $PYMAR_PG_DATABASE on $PYMAR_PG_HOST:$PYMAR_PG_PORT"
    sleep 0.5
done
if $started; then
    log "started PostgreSQL $major on $PYMAR_PG_HOST:$PYMAR_PG_PORT in $((SECONDS - t0)) s (log $PYMAR_PG_LOG)"
else
    log "running on $PYMAR_PG_HOST:$PYMAR_PG_PORT"
fi
log "connection string Host=$PYMAR_PG_HOST;Port=$PYMAR_PG_PORT;Username=$PYMAR_PG_USER;Password=$PYMAR_PG_PASSWORD;Database=$PYMAR_PG_DATABASE"
