#!/usr/bin/env bash
# start-promtool.sh finds promtool (Debian package prometheus), for deploy/'s
# tests of the alert rules and the dashboard's queries, and prints the
# variable they read:
#
#   eval "$(bash .ci/start-promtool.sh)"
#   go test ./deploy/...
#
# When promtool is not on PATH, the prometheus package is downloaded with apt
# and only its promtool binary is extracted (into a cache directory): the
# Prometheus server is neither installed nor started.
#
# stdout carries only the `export TEST_PROMTOOL=…` line; progress goes to stderr.
set -euo pipefail

if tool=$(command -v promtool); then
  echo "export TEST_PROMTOOL=$tool"
  exit 0
fi
dir="${XDG_CACHE_HOME:-$HOME/.cache}/clinic-ci/promtool"
tool="$dir/promtool"
if [ ! -x "$tool" ]; then
  echo "promtool is missing: extracting it from Debian's prometheus package" >&2
  work=$(mktemp -d)
  chmod 755 "$work" # apt downloads as user _apt
  trap 'rm -rf "$work"' EXIT
  apt-get update -qq >&2 || true
  (cd "$work" && apt-get download -qq prometheus >&2)
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  mkdir -p "$dir"
  install -m 0755 "$work/root/usr/bin/promtool" "$tool"
fi
if ! "$tool" --version >/dev/null 2>&1; then
  echo "FAIL: $tool does not run" >&2
  exit 1
fi
echo "export TEST_PROMTOOL=$tool"
