#!/bin/bash
# spread_bench.sh runs the shared bench (../shared/bench) against three
# tandem instances on one PostgreSQL database and one Redis prefix, with the
# bench's clients spread over the three (client i through instance i mod 3)
# or all on the first; it prints the bench's row, each instance's lost
# commit races and forwards, and each instance's CPU seconds.
#
#   internal/integration/spread_bench.sh spread|one [LEASE] [SCENARIOS]
#   env: BENCH (default ../shared/bench, after npm ci), TANDEM (default bin/tandem),
#        A_GRID (default 30x20), C_ROOMS, PGURL (default postgres://postgres@127.0.0.1:5432),
#        REDIS_URL (default redis://127.0.0.1:6379/0)
set -eu
MODE=$1; LEASE=${2:-3s}; SCENARIOS=${3:-A}
BENCH=$(cd "${BENCH:-../shared/bench}" && pwd); TANDEM=$(realpath "${TANDEM:-bin/tandem}")
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}; REDIS=${REDIS_URL:-redis://127.0.0.1:6379/0}
TAG=spread$$; DB=bench_$TAG; WORK=$(mktemp -d)
psql -q "$PGURL/postgres" -c "create database $DB" >/dev/null
PIDS=(); URLS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; psql -q "$PGURL/postgres" -c "drop database if exists $DB" >/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for port in 7201 7202 7203; do
  env TANDEM_MAX_CONNS_PER_IP=100000 TANDEM_REQUESTS_PER_MINUTE=0 DATABASE_URL="$PGURL/$DB?sslmode=disable" REDIS_URL="$REDIS" \
    "$TANDEM" serve --addr 127.0.0.1:$port --data-dir "$WORK/$port" --redis-prefix "$TAG:" --cluster-lease "$LEASE" >"$WORK/$port.log" 2>&1 &
  PIDS+=($!); URLS+=(http://127.0.0.1:$port)
done
for u in "${URLS[@]}"; do for _ in $(seq 100); do curl -sf "$u/healthz" >/dev/null && break; sleep 0.1; done; done
WS=${URLS[0]}; [ "$MODE" = spread ] && WS=$(IFS=,; echo "${URLS[*]}")
(cd "$BENCH" && A_GRID=${A_GRID:-30x20} SCENARIOS=$SCENARIOS OURS_URL=${URLS[0]} OURS_PID=${PIDS[0]} OURS_WS_URLS=$WS \
  RESULTS_DIR="$WORK/results" ./run.sh ours >"$WORK/bench.out" 2>&1)
grep -E '^\| ours' "$WORK/results/SUMMARY.md" || tail -20 "$WORK/bench.out"
for i in 0 1 2; do
  m=$(curl -s "${URLS[$i]}/metrics")
  echo "instance $i: lost races $(echo "$m" | awk '/^tandem_commit_races_lost_total/{print $2}'), forwarded $(echo "$m" | awk '/^tandem_forwarded_total/{print $2}'), CPU $(awk '{printf "%.2f s", ($14+$15)/100}' /proc/${PIDS[$i]}/stat)"
done
