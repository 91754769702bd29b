#!/usr/bin/env bash
# Tracking-server benchmark (issue: foundation + tracking server). Prints every figure that
# docs/benchmarks.md records, with the command lines used. Loopback only; every process it
# starts is stopped on exit.
#
#   bench/tracking.sh
#
# It measures cairn only: the MLflow reference server cannot be installed on this project's
# machines (not in Debian, no PyPI), so there is no peer run here; see docs/benchmarks.md.
#
# Environment: DURATION (wrk seconds, default 20), CONNS (default 16), WORKERS (cairn
# --workers, default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --bench
make -s build/cairn
mkdir -p build/bench
cc -O2 -o build/bench/bench_http bench/bench_http.c $(pkg-config --cflags --libs libcurl jansson)

DURATION=${DURATION:-20}
CONNS=${CONNS:-16}
WORKERS=${WORKERS:-4}
work=$(mktemp -d /tmp/cairn-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_cairn() { # $1 = dir
  mkdir -p "$1"
  build/cairn server --port 0 --workers "$WORKERS" \
    --backend-store-uri "sqlite:///$1/cairn.db" --artifacts-destination "$1/artifacts" \
    > "$1/stdout" 2> "$1/stderr" &
  pids+=($!)
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    if grep -q "listening on" "$1/stdout" 2>/dev/null; then break; fi
    sleep 0.02
  done
  URL=$(sed -n 's/^listening on //p' "$1/stdout" | head -n 1)
}
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
api() { curl -sf -X "$1" -H 'Content-Type: application/json' "$URL/api/2.0/mlflow/$2" -d "${3:-}"; }

echo "# cairn tracking benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)"
echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo "## start-up (5 runs, fresh database each)"
for i in 1 2 3 4 5; do
  build/bench/bench_http startup -- build/cairn server --port 0 \
    --backend-store-uri "sqlite:///$work/start$i.db" --artifacts-destination "$work/a$i"
done

start_cairn "$work/s1"
sleep 0.5
echo "## idle RSS after start: $(rss_mb "$SERVER_PID") MB (URL $URL)"

run_id=$(api POST runs/create '{"experiment_id":"0"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["run"]["info"]["run_id"])')

echo "## log-metric: wrk -t2 -c$CONNS -d${DURATION}s --latency (one run, distinct steps)"
RUN_ID=$run_id wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s bench/wrk/log_metric.lua "$URL" \
  | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx"
echo "## RSS after log-metric load: $(rss_mb "$SERVER_PID") MB (peak $(hwm_mb "$SERVER_PID") MB)"

run2=$(api POST runs/create '{"experiment_id":"0"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["run"]["info"]["run_id"])')
echo "## log-batch of 1000 metrics: wrk -t2 -c4 -d${DURATION}s (points/s = req/s x 1000)"
RUN_ID=$run2 wrk -t2 -c4 -d"${DURATION}s" --latency -s bench/wrk/log_batch.lua "$URL" \
  | grep -E "Requests/sec|Latency|50%|99%|requests in|Non-2xx"

echo "## search-runs over 10,000 runs"
t0=$(date +%s)
exp=$(python3 bench/populate.py "$URL" runs 10000)
echo "populated 10,000 runs in experiment $exp in $(( $(date +%s) - t0 )) s"
for mr in 100 1000; do
  printf '{"experiment_ids":["%s"],"filter":"metrics.acc > 0.5 and params.lr = '"'"'0.01'"'"'","order_by":["metrics.f1 DESC"],"max_results":%d}' "$exp" "$mr" > "$work/search.json"
  echo "filter 'metrics.acc > 0.5 and params.lr = 0.01', order_by metrics.f1 DESC, max_results $mr:"
  build/bench/bench_http time 50 POST "$URL/api/2.0/mlflow/runs/search" "$work/search.json"
done
printf '{"experiment_ids":["%s"],"filter":"metrics.acc > 0.5","order_by":["metrics.f1 DESC"],"max_results":1000}' "$exp" > "$work/search2.json"
echo "filter 'metrics.acc > 0.5', order_by metrics.f1 DESC, max_results 1000:"
build/bench/bench_http time 50 POST "$URL/api/2.0/mlflow/runs/search" "$work/search2.json"

echo "## get-history of 100,000 points (client paging, 25,000 per page)"
run3=$(api POST runs/create '{"experiment_id":"0"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["run"]["info"]["run_id"])')
python3 bench/populate.py "$URL" history "$run3" 100000
build/bench/bench_http history "$URL/api/2.0/mlflow/metrics/get-history?run_id=$run3&metric_key=loss&max_results=25000" 20

echo "## RSS at the end: $(rss_mb "$SERVER_PID") MB (peak $(hwm_mb "$SERVER_PID") MB)"
