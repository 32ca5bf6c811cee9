#!/usr/bin/env bash
# start-redis-cluster.sh starts a 3-master Redis Cluster on loopback for the
# Redis Cluster contract tests and prints the variable they read:
#
#   eval "$(bash .ci/start-redis-cluster.sh)"
#   go test ./internal/platform/session/... ./internal/platform/cache/...
#
# stdout carries only the `export TEST_REDIS_CLUSTER_ADDRS=…` line; progress
# goes to stderr and each server's log to the state directory. The servers
# keep nothing on disk (--save "" --appendonly no) but their cluster
# configuration file.
#
# Idempotent: when the three ports already answer as one healthy cluster of
# three masters (cluster_state:ok, all 16384 slots), it is reused. Otherwise
# the servers this script started earlier (pid files) are stopped and a new
# cluster is made; a foreign server on one of the ports is left alone and the
# script fails, asking for other ports.
#
# Knobs (environment):
#   REDIS_CLUSTER_PORTS      three listen ports on 127.0.0.1  (default "7001 7002 7003")
#   REDIS_CLUSTER_STATE_DIR  pid files, logs, cluster files   (default ${TMPDIR:-/tmp}/clinic-redis-cluster-<first port>)
set -euo pipefail

read -r -a ports <<<"${REDIS_CLUSTER_PORTS:-7001 7002 7003}"
((${#ports[@]} == 3)) || { echo "start-redis-cluster: error: REDIS_CLUSTER_PORTS must list three ports" >&2; exit 1; }
state="${REDIS_CLUSTER_STATE_DIR:-${TMPDIR:-/tmp}/clinic-redis-cluster-${ports[0]}}"

log() { echo "start-redis-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"
command -v redis-cli >/dev/null || die "redis-cli is not installed (apt-get install redis-tools)"

cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
answers() { [[ "$(cli "$1" ping 2>/dev/null)" == PONG ]]; }

# healthy: the node on port $1 sees a complete cluster of three masters.
healthy() {
	local info
	info=$(cli "$1" cluster info 2>/dev/null | tr -d '\r') || return 1
	grep -qx 'cluster_state:ok' <<<"$info" &&
		grep -qx 'cluster_slots_ok:16384' <<<"$info" &&
		grep -qx 'cluster_known_nodes:3' <<<"$info" &&
		grep -qx 'cluster_size:3' <<<"$info"
}

all_healthy() {
	local p
	for p in "${ports[@]}"; do healthy "$p" || return 1; done
}

# our_pid: prints the pid of the redis-server this script started on port $1.
our_pid() {
	local f="$state/redis-$1.pid" pid
	[[ -f "$f" ]] || return 1
	pid=$(<"$f")
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null || [[ ! -d /proc ]] || return 1
	echo "$pid"
}

print_exports() {
	local addrs="" p
	for p in "${ports[@]}"; do addrs+="${addrs:+,}127.0.0.1:$p"; done
	printf "export TEST_REDIS_CLUSTER_ADDRS='%s'\n" "$addrs"
}

if all_healthy; then
	log "reusing the Redis Cluster already on ports ${ports[*]}"
	print_exports
	exit 0
fi

# Clear the ports: refuse foreign servers (before touching anything), then
# stop our earlier ones.
mkdir -p "$state"
for p in "${ports[@]}"; do
	if ! our_pid "$p" >/dev/null && answers "$p"; then
		die "another Redis answers on port $p; set REDIS_CLUSTER_PORTS to three free ports"
	fi
done
for p in "${ports[@]}"; do
	if pid=$(our_pid "$p"); then
		log "stopping our earlier server on port $p (pid $pid)"
		kill "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && die "server pid $pid did not stop"
	fi
	if answers "$p"; then die "port $p still answers after stopping our server"; fi
done

for p in "${ports[@]}"; do
	rm -f "$state/nodes-$p.conf"
	log "starting redis-server --cluster-enabled yes on 127.0.0.1:$p (log $state/redis-$p.log)"
	redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
		--cluster-config-file "$state/nodes-$p.conf" --cluster-node-timeout 5000 \
		--dir "$state" --daemonize yes --pidfile "$state/redis-$p.pid" \
		--logfile "$state/redis-$p.log" --save "" --appendonly no >&2
done
for p in "${ports[@]}"; do
	for _ in $(seq 100); do answers "$p" && break; sleep 0.1; done
	answers "$p" || { tail -n 20 "$state/redis-$p.log" >&2 || true; die "redis-server on port $p did not start"; }
done

nodes=()
for p in "${ports[@]}"; do nodes+=("127.0.0.1:$p"); done
log "creating the cluster of ${nodes[*]}"
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2

for _ in $(seq 300); do
	if all_healthy; then
		log "Redis Cluster ready on ports ${ports[*]}"
		print_exports
		exit 0
	fi
	sleep 0.1
done
for p in "${ports[@]}"; do cli "$p" cluster info >&2 || true; done
die "the cluster did not reach cluster_state:ok within 30s (logs: $state)"
