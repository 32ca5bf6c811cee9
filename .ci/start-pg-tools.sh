#!/usr/bin/env bash
# start-pg-tools.sh makes sure PostgreSQL's client programs pg_dump and
# pg_restore are installed in the server's major version (clinic backup and
# restore run them; internal/backup's tests need them), installing Debian's
# postgresql-client-N with apt-get when they are missing or of another version.
#
#   bash .ci/start-pg-tools.sh        # PGHOST/PGPORT/PGUSER default to 127.0.0.1:5432, postgres
set -euo pipefail

host="${PGHOST:-127.0.0.1}"
port="${PGPORT:-5432}"
user="${PGUSER:-postgres}"

num=$(psql -h "$host" -p "$port" -U "$user" -d postgres -qtAc "SHOW server_version_num")
major=$((num / 10000))

ok() {
  for tool in pg_dump pg_restore; do
    command -v "$tool" >/dev/null 2>&1 || return 1
    [ "$("$tool" --version | grep -oE '[0-9]+' | head -1)" = "$major" ] || return 1
  done
}

if ! ok; then
  echo "installing with apt-get: postgresql-client-$major" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "postgresql-client-$major"; } >/dev/null || true
fi
if ! ok; then
  echo "FAIL: pg_dump and pg_restore of PostgreSQL $major are not installed (apt-get install postgresql-client-$major)" >&2
  exit 1
fi
echo "$(pg_dump --version) and $(pg_restore --version) at $(command -v pg_dump), $(command -v pg_restore)"
