#!/usr/bin/env bash
# From a fresh checkout: install dependencies, build, start `cairn server` on ./cairn.db,
# log an example run to it through the MLflow REST API (exactly the requests the MLflow
# Python client sends), print the run and the server's URL. The server keeps running;
# the last line says how to stop it.
#
#   scripts/quickstart.sh            # port 5000, or PORT=5050 scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-5000}

scripts/install-deps.sh
make -s -j"$(nproc 2>/dev/null || echo 2)" build/cairn

if [ -f .cairn-server.pid ] && kill -0 "$(cat .cairn-server.pid)" 2>/dev/null; then
  echo "quickstart: stopping the server it started earlier (pid $(cat .cairn-server.pid))"
  kill "$(cat .cairn-server.pid)"; sleep 0.3
fi

build/cairn server --host 127.0.0.1 --port "$PORT" --backend-store-uri sqlite:///cairn.db \
  --artifacts-destination ./cairn-artifacts > .cairn-server.out 2> .cairn-server.log &
pid=$!
echo "$pid" > .cairn-server.pid
for _ in $(seq 1 100); do
  grep -q "listening on" .cairn-server.out 2>/dev/null && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "quickstart: the server did not start:" >&2; cat .cairn-server.log >&2; exit 3
  fi
  sleep 0.05
done
URL=$(sed -n 's/^listening on //p' .cairn-server.out | head -n 1)
API="$URL/api/2.0/mlflow"
post() { curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' "$API/$1" -d "$2"; }

# mlflow.set_experiment("quickstart"): get-by-name, create when it does not exist.
exp=$(curl -sS "$API/experiments/get-by-name?experiment_name=quickstart" | sed -n 's/.*"experiment_id":"\([0-9]*\)".*/\1/p')
if [ -z "$exp" ]; then
  exp=$(post experiments/create '{"name":"quickstart"}' | sed -n 's/.*"experiment_id":"\([0-9]*\)".*/\1/p')
fi
now=$(($(date +%s) * 1000))
# mlflow.start_run(), log_params, log_metrics over 5 epochs, set_tag, end_run().
run=$(post runs/create "{\"experiment_id\":\"$exp\",\"user_id\":\"$(id -un)\",\"run_name\":\"quickstart\",\"start_time\":$now,\"tags\":[{\"key\":\"mlflow.user\",\"value\":\"$(id -un)\"},{\"key\":\"mlflow.source.type\",\"value\":\"LOCAL\"}]}" \
  | sed -n 's/.*"run_id":"\([0-9a-f]*\)".*/\1/p')
post runs/log-batch "{\"run_id\":\"$run\",\"params\":[{\"key\":\"learning_rate\",\"value\":\"0.01\"},{\"key\":\"max_depth\",\"value\":\"6\"}]}" >/dev/null
for step in 0 1 2 3 4; do
  loss=$(awk "BEGIN {printf \"%.4f\", 1.0 / ($step + 1.5)}")
  acc=$(awk "BEGIN {printf \"%.4f\", 0.70 + 0.05 * $step}")
  post runs/log-batch "{\"run_id\":\"$run\",\"metrics\":[{\"key\":\"loss\",\"value\":$loss,\"timestamp\":$((now + step)),\"step\":$step},{\"key\":\"accuracy\",\"value\":$acc,\"timestamp\":$((now + step)),\"step\":$step}]}" >/dev/null
done
post runs/set-tag "{\"run_id\":\"$run\",\"key\":\"stage\",\"value\":\"quickstart\"}" >/dev/null
post runs/update "{\"run_id\":\"$run\",\"status\":\"FINISHED\",\"end_time\":$(($(date +%s) * 1000))}" >/dev/null

echo
build/cairn runs show "$run" --backend-store-uri sqlite:///cairn.db
echo
echo "The run as the MLflow client sees it:  curl '$API/runs/get?run_id=$run'"
echo "cairn server is running at $URL   (MLFLOW_TRACKING_URI=$URL)"
echo "Stop it with:  kill \$(cat .cairn-server.pid)"
