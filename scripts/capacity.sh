#!/usr/bin/env bash
# capacity.sh: measure one growth phase of docs/scaling.md with clinic load.
#
#   scripts/capacity.sh sqlite     one clinic serve, embedded (SQLite, memory cache and limits)
#   scripts/capacity.sh postgres   one clinic serve on PostgreSQL
#   scripts/capacity.sh cluster    nginx, 3 clinic serve and 2 clinic worker on PostgreSQL and Redis
#   scripts/capacity.sh replica    the same, the servers reading from a streaming replica
#
# Each starts the phase on loopback (a fresh database; the cluster through
# scripts/cluster.sh), seeds it with clinic load (CAPACITY_SEED, default 5
# clinics × 5 professionals × 300 patients × 40 appointments each, 10 users
# per clinic), runs the capacity search (clinic load -rates CAPACITY_RATES, each
# for CAPACITY_DURATION, p99 bound CAPACITY_P99), writes the table, the JSON
# and the histogram of the best rate into CAPACITY_OUT (default
# /tmp/clinic-capacity/PHASE), and stops what it started.
#
# Needs: go, PostgreSQL at PGHOST:PGPORT (default 127.0.0.1:5432, user
# postgres) for all but sqlite; Redis (REDIS_URL, default
# redis://127.0.0.1:6379/0) and nginx for cluster and replica; for replica a
# streaming replica of that PostgreSQL, REPLICA_PORT (default 5442, as
# .ci/start-pg-replica.sh makes one).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PHASE=${1:-}
RATES=${CAPACITY_RATES:-100,200,400,600,800,1000,1200,1500,2000}
DURATION=${CAPACITY_DURATION:-20s}
P99=${CAPACITY_P99:-200ms}
SEED=${CAPACITY_SEED:--clinics 5 -professionals 5 -patients 300 -appointments 40 -users 10}
OUT=${CAPACITY_OUT:-/tmp/clinic-capacity/$PHASE}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
REPLICA_PORT=${REPLICA_PORT:-5442}

case "$PHASE" in
  sqlite | postgres | cluster | replica) ;;
  *) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

rm -rf "$OUT"
mkdir -p "$OUT"
# The load run needs rate limits it does not reach (README, Load testing).
export RATE_LIMIT_SIGNUP_IP=100000/1m RATE_LIMIT_LOGIN_IP=100000/1m RATE_LIMIT_LOGIN_EMAIL=100000/1m \
  RATE_LIMIT_API_CLINIC=100000000/1m RATE_LIMIT_PUBLIC_IP=100000/1m LOG_LEVEL=warn
(cd "$ROOT" && go build -o "$OUT/clinic" ./cmd/clinic)

pids=()
db=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$PHASE" = cluster ] || [ "$PHASE" = replica ]; then
    cp -r "$OUT/cluster/logs" "$OUT/logs" 2>/dev/null || true
    CLUSTER_DIR="$OUT/cluster" "$ROOT/scripts/cluster.sh" down >/dev/null 2>&1 || true
  fi
  if [ -n "$db" ]; then dropdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" --force "$db" 2>/dev/null || true; fi
}
trap cleanup EXIT

# new_db creates an empty database, db, and sets DB_URL to it (in this
# shell: cleanup drops it).
new_db() {
  db="clinic_capacity_$$"
  createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$db"
  DB_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db?sslmode=disable"
}

serve_one() { # $1: DATABASE_URL ("" for SQLite)
  local port=18400
  # exec: the pid kept is the server's own, so that cleanup stops it
  (cd "$OUT" && DATABASE_URL="$1" ADDR="127.0.0.1:$port" FILES_URL="file://$OUT/files" \
    exec "$OUT/clinic" serve >"$OUT/serve.log" 2>&1) &
  pids+=($!)
  URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null && return; sleep 0.2; done
  echo "capacity: the server did not start (log: $OUT/serve.log)" >&2
  exit 1
}

case "$PHASE" in
  sqlite) serve_one "" ;;
  postgres) new_db && serve_one "$DB_URL" ;;
  cluster | replica)
    new_db
    export DATABASE_URL=$DB_URL
    if [ "$PHASE" = replica ]; then
      export DATABASE_REPLICA_URLS="postgres://$PGUSER@$PGHOST:$REPLICA_PORT/$db?sslmode=disable"
      # the replica has the new database once it has replayed its creation
      ok=""
      for _ in $(seq 1 50); do
        psql -h "$PGHOST" -p "$REPLICA_PORT" -U "$PGUSER" -d "$db" -qtAc 'SELECT 1' >/dev/null 2>&1 && ok=1 && break
        sleep 0.2
      done
      [ -n "$ok" ] || { echo "capacity: the replica at port $REPLICA_PORT does not have $db" >&2; exit 1; }
    fi
    CLUSTER_DIR="$OUT/cluster" "$ROOT/scripts/cluster.sh" up >"$OUT/cluster-up.log"
    # shellcheck disable=SC1091 # written by cluster.sh up
    URL=$(. "$OUT/cluster/cluster.env" && echo "$CLUSTER_URL")
    ;;
esac

echo "capacity: $PHASE at $URL; seeding…"
# shellcheck disable=SC2086 # SEED is a list of flags
"$OUT/clinic" load -url "$URL" $SEED -state "$OUT/state.json" -rate 20 -duration 5s >"$OUT/warmup.txt"
"$OUT/clinic" load -url "$URL" -state "$OUT/state.json" -reuse -rates "$RATES" -duration "$DURATION" -p99 "$P99" \
  -histogram "$OUT/histogram.svg" | tee "$OUT/capacity.txt"
echo "capacity: results in $OUT (capacity.txt, histogram.svg of the best rate)"
