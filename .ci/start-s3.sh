#!/usr/bin/env bash
# start-s3.sh starts a local S3-compatible server (versitygw, posix backend)
# for the blob storage integration tests and prints the variables they read:
#
#   eval "$(bash .ci/start-s3.sh)"
#   go test ./internal/platform/blob/...
#
# stdout carries only `export TEST_S3_…=…` lines; progress goes to stderr and
# the server's output to a log file in the state directory.
#
# Idempotent: when a server already answers on the port with the same
# credentials it is reused. When one answers with other credentials and this
# script started it (pid file), it is stopped and replaced; a foreign server on
# the port is left alone and the script fails, asking for another S3_PORT.
#
# Knobs (environment):
#   S3_PORT            listen port on 127.0.0.1          (default 7070)
#   S3_ACCESS_KEY      root access key                   (default clinic-test)
#   S3_SECRET_KEY      root secret key                   (default clinic-test-secret)
#   S3_STATE_DIR       pid file, log and data directory  (default ${TMPDIR:-/tmp}/clinic-s3-$S3_PORT)
#   VERSITYGW_VERSION  version go-installed when missing (default v1.8.0)
set -euo pipefail

port="${S3_PORT:-7070}"
access="${S3_ACCESS_KEY:-clinic-test}"
secret="${S3_SECRET_KEY:-clinic-test-secret}"
version="${VERSITYGW_VERSION:-v1.8.0}"
state="${S3_STATE_DIR:-${TMPDIR:-/tmp}/clinic-s3-$port}"
endpoint="http://127.0.0.1:$port"
pidfile="$state/versitygw.pid"
logfile="$state/versitygw.log"

# SHA-256 of the empty payload, which SigV4 requests must declare.
empty_sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

log() { echo "start-s3: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v curl >/dev/null || die "curl is required"

# answers: something speaks HTTP on the port.
answers() { curl -s -o /dev/null --max-time 2 "$endpoint/"; }

# creds_ok: the server accepts our credentials (SigV4-signed ListBuckets → 200).
creds_ok() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		--aws-sigv4 "aws:amz:us-east-1:s3" --user "$access:$secret" \
		-H "x-amz-content-sha256: $empty_sha256" "$endpoint/") || return 1
	[[ "$code" == 200 ]]
}

# our_pid: prints the pid of the versitygw this script started, if it runs.
our_pid() {
	[[ -f "$pidfile" ]] || return 1
	local pid
	pid=$(<"$pidfile")
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	grep -q versitygw "/proc/$pid/cmdline" 2>/dev/null || [[ ! -d /proc ]] || return 1
	echo "$pid"
}

print_exports() {
	printf 'export TEST_S3_ENDPOINT=%q\n' "$endpoint"
	printf 'export TEST_S3_ACCESS_KEY_ID=%q\n' "$access"
	printf 'export TEST_S3_SECRET_ACCESS_KEY=%q\n' "$secret"
}

# Reuse a healthy server, or clear the port.
if answers; then
	if creds_ok; then
		log "reusing the S3 server already on $endpoint"
		print_exports
		exit 0
	fi
	if pid=$(our_pid); then
		log "stopping our earlier server (pid $pid) on $endpoint: it has other credentials"
		kill "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && die "server pid $pid did not stop"
	else
		die "another server answers on $endpoint with other credentials; set S3_PORT to a free port"
	fi
elif pid=$(our_pid); then
	# Ours but not answering (hung or still starting): replace it.
	log "stopping unresponsive earlier server (pid $pid)"
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi

# Find or install versitygw.
gw=$(command -v versitygw || true)
if [[ -z "$gw" ]]; then
	command -v go >/dev/null || die "versitygw is not installed and go is not on PATH"
	gobin="$(go env GOBIN)"
	[[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
	gw="$gobin/versitygw"
	if [[ ! -x "$gw" ]]; then
		log "installing versitygw $version (this takes a few minutes)"
		go install "github.com/versity/versitygw/cmd/versitygw@$version" >&2
	fi
fi
[[ -x "$gw" ]] || die "versitygw not found at $gw"

# Start over a fresh data directory. Metadata (content types) goes to a
# sidecar directory, so the file system need not support extended attributes.
mkdir -p "$state"
if [[ -f "$state/datadir" ]]; then
	old=$(<"$state/datadir")
	[[ "$old" == "$state"/data.* ]] && rm -rf -- "$old"
fi
data=$(mktemp -d "$state/data.XXXXXX")
echo "$data" >"$state/datadir"
mkdir -p "$data/buckets" "$data/meta"

log "starting versitygw on $endpoint (data $data, log $logfile)"
detach=()
command -v setsid >/dev/null && detach=(setsid) # leave the caller's process group
"${detach[@]}" "$gw" --access "$access" --secret "$secret" --port "127.0.0.1:$port" --quiet \
	posix --sidecar "$data/meta" "$data/buckets" \
	</dev/null >"$logfile" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"

for _ in $(seq 300); do
	if ! kill -0 "$pid" 2>/dev/null; then
		tail -n 20 "$logfile" >&2 || true
		die "versitygw exited during startup (log: $logfile)"
	fi
	if creds_ok; then
		log "S3 server ready (pid $pid)"
		print_exports
		exit 0
	fi
	sleep 0.1
done
tail -n 20 "$logfile" >&2 || true
die "versitygw did not answer on $endpoint within 30s (log: $logfile)"
