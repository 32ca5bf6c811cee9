#!/usr/bin/env bash
# start-nginx.sh makes sure Debian's nginx binary is installed, for the
# cluster test (internal/app/clustertest), which starts its own nginx through
# scripts/cluster.sh, and prints the variable that test reads:
#
#   eval "$(bash .ci/start-nginx.sh)"
#   go test ./internal/app/clustertest/...
#
# It starts no nginx: the package's system service is kept from starting while
# it is installed (policy-rc.d), and none is started afterwards (no systemctl,
# no service). stdout carries only the `export TEST_NGINX=…` line; progress
# goes to stderr.
set -euo pipefail

bin=/usr/sbin/nginx
log() { echo "start-nginx: $*" >&2; }

if [ ! -x "$bin" ]; then
  log "installing Debian package nginx with apt-get"
  # Keep invoke-rc.d from starting the system nginx on port 80 while the
  # package installs (an existing policy is left as it is).
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx; } >&2 || true
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
fi
if [ ! -x "$bin" ]; then
  log "error: $bin is missing (apt-get install nginx)"
  exit 1
fi
log "$("$bin" -v 2>&1) at $bin"
echo "export TEST_NGINX=$bin"
