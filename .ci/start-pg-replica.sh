#!/usr/bin/env bash
# start-pg-replica.sh makes a streaming replica of the local PostgreSQL
# (127.0.0.1:5432) on another port, for the read-replica tests, and prints the
# variable they read:
#
#   eval "$(bash .ci/start-pg-replica.sh)"
#   go test ./internal/platform/db/...
#
# The replica is a copy of the whole cluster (pg_basebackup -R -X stream), so
# it serves the schemas the tests create in clinic_test later, as they stream.
# stdout carries only the `export TEST_DATABASE_REPLICA_URL=…` line; progress
# goes to stderr and the server's log to the state directory.
#
# Replication connections: when the primary's pg_hba.conf has no line for
# `replication` from 127.0.0.1, one is appended
# (host replication postgres 127.0.0.1/32 trust, like the primary's other
# local lines) and the primary reloaded.
#
# Idempotent: a replica of this script already answering on the port (in
# recovery) is reused. Runs the server as the postgres user (runuser), since
# PostgreSQL refuses to run as root.
#
# Knobs (environment):
#   PG_REPLICA_PORT       listen port on 127.0.0.1        (default 5442)
#   PG_REPLICA_STATE_DIR  data directory and log          (default ${TMPDIR:-/tmp}/clinic-pg-replica-$PG_REPLICA_PORT)
#   PG_BIN                PostgreSQL binaries             (default /usr/lib/postgresql/15/bin)
set -euo pipefail

port="${PG_REPLICA_PORT:-5442}"
state="${PG_REPLICA_STATE_DIR:-${TMPDIR:-/tmp}/clinic-pg-replica-$port}"
bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
data="$state/data"
logfile="$state/postgres.log"
url="postgres://postgres@127.0.0.1:$port/clinic_test?sslmode=disable"

log() { echo "start-pg-replica: $*" >&2; }
die() { log "error: $*"; exit 1; }

as_postgres() {
	if [[ "$(id -un)" == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

[[ -x "$bin/pg_basebackup" ]] || die "no $bin/pg_basebackup (apt-get install postgresql-15)"
pg_isready -q -h 127.0.0.1 -p 5432 || die "the primary at 127.0.0.1:5432 is down"

if [[ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" == t ]]; then
	log "replica already running on port $port"
	# A test run that died with the replay paused would leave it paused.
	psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc 'SELECT pg_wal_replay_resume()' >/dev/null
	echo "export TEST_DATABASE_REPLICA_URL=$url"
	exit 0
fi
if pg_isready -q -h 127.0.0.1 -p "$port"; then
	die "port $port is taken by a server that is not a replica: set PG_REPLICA_PORT"
fi

hba=$(psql -h 127.0.0.1 -U postgres -d postgres -qtAc 'SHOW hba_file')
if ! psql -h 127.0.0.1 -U postgres -d postgres -qtAc \
	"SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND type = 'host' AND address = '127.0.0.1' AND auth_method = 'trust'" | grep -q 1; then
	log "allowing replication connections from 127.0.0.1 in $hba"
	echo "host replication postgres 127.0.0.1/32 trust # added by clinic's .ci/start-pg-replica.sh" >>"$hba"
	psql -h 127.0.0.1 -U postgres -d postgres -qtAc 'SELECT pg_reload_conf()' >/dev/null
fi

# A data directory left by a replica that stopped is made again: it may be
# too far behind to catch up.
if [[ -f "$data/postmaster.pid" ]]; then
	as_postgres "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$data"
mkdir -p "$state"
chown postgres: "$state"
log "pg_basebackup into $data"
as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$data" -R -X stream -c fast >&2
# The primary's configuration lives in /etc: the copy gets a minimal one.
cat >"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$state'
hot_standby = on
hot_standby_feedback = on
max_connections = 100
shared_buffers = 64MB
fsync = off
CONF
cat >"$data/pg_hba.conf" <<CONF
local all all trust
host all all 127.0.0.1/32 trust
CONF
chown postgres: "$data/postgresql.conf" "$data/pg_hba.conf"
log "starting the replica on port $port (log: $logfile)"
as_postgres "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start >&2
for _ in $(seq 1 30); do
	[[ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d clinic_test -qtAc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" == t ]] && break
	sleep 1
done
[[ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d clinic_test -qtAc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" == t ]] \
	|| die "the replica on port $port does not answer as a standby (log: $logfile)"
echo "export TEST_DATABASE_REPLICA_URL=$url"
