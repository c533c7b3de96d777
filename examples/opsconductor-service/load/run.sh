#!/usr/bin/env bash
# Load test of opsconductor-service on SQLite, release build, loopback only:
# GET /profile with a valid access token (token verification, policy check,
# one query: the user row and the denylist verdict) against GET /health (one
# SELECT, no authentication), each for DURATION seconds with wrk, sampling
# the server's resident memory.
#
#   apt-get install -y wrk      # once
#   examples/opsconductor-service/load/run.sh
#
# Settings (environment): DURATION (seconds per endpoint, default 60),
# CONNECTIONS (default 32), THREADS (wrk threads, default 2), PORT (default
# 18181). The database and keys live in a temporary directory, removed at
# the end. The server inherits the environment: OPSGUARD_TOKEN_CACHE=off
# measures without the verified-token cache.
set -euo pipefail

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18181}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
cd "$(dirname "$0")/../../.."
cargo build --release -p opsconductor-service
BIN="${CARGO_TARGET_DIR:-target}/release/opsconductor-service"

WORK=$(mktemp -d)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$WORK/load.db"
export OPSGUARD_DEV_KEY_DIR="$WORK/keys"
export OPSGUARD_BIND="127.0.0.1:$PORT"
export RUST_LOG=warn
PASSWORD="load test passphrase 7391"

OPSGUARD_ADMIN_PASSWORD="$PASSWORD" "$BIN" bootstrap-admin loadtest >/dev/null 2>&1
"$BIN" serve 2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -H 'content-type: application/json' \
  -d "{\"username\":\"loadtest\",\"password\":\"$PASSWORD\"}" "$BASE/auth/login" |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }

# run NAME PATH [HEADER]: a 5-second warm-up, then DURATION seconds measured,
# with the server's RSS sampled every 5 seconds.
run() {
  local name=$1 path=$2
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$@" "$BASE$path" >/dev/null
  (
    while sleep 5; do rss_kib; done
  ) >"$WORK/rss-$name" &
  local sampler=$!
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$BASE$path" >"$WORK/wrk-$name"
  kill "$sampler"
  local rps non2xx p50 p99 first last
  rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk-$name")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk-$name")
  p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk-$name")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$name")
  first=$(head -n1 "$WORK/rss-$name")
  last=$(tail -n1 "$WORK/rss-$name")
  printf '%-8s %10s req/s  p50 %-8s p99 %-8s non-2xx %-4s RSS %s -> %s KiB (%s samples)\n' \
    "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$first" "$last" "$(wc -l <"$WORK/rss-$name")"
  echo "$rps" >"$WORK/rps-$name"
}

echo "opsconductor-service load test: $DURATION s per endpoint, $CONNECTIONS connections, $THREADS wrk threads, $(nproc) cores"
run health /health
run profile /profile -H "Authorization: Bearer $TOKEN"
awk -v p="$(cat "$WORK/rps-profile")" -v h="$(cat "$WORK/rps-health")" \
  'BEGIN { printf "profile / health = %.2f\n", p / h }'
