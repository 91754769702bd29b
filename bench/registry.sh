#!/usr/bin/env bash
# Registry benchmark: 1,000 registered models x 20 versions, then search-registered-models,
# search-model-versions and get-latest-versions through the real server. Prints figures with
# the requests used; docs/benchmarks.md records them. Loopback only; every process it starts
# is stopped on exit.
#
#   bench/registry.sh                      # build/ (BUILD=dir to use another build tree)
#   MODELS=1000 VERSIONS=20 N=200 bench/registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MODELS=${MODELS:-1000}
VERSIONS=${VERSIONS:-20}
N=${N:-200}
make -s BUILD="$BUILD" "$BUILD/cairn" "$BUILD/libcairn.a"
mkdir -p "$BUILD/bench"
cc -O2 -o "$BUILD/bench/bench_http" bench/bench_http.c $(pkg-config --cflags --libs libcurl jansson)
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc -o "$BUILD/bench/registry_populate" \
  bench/registry_populate.c "$BUILD/libcairn.a" \
  $(pkg-config --cflags --libs sqlite3 libmicrohttpd jansson libcurl yaml-0.1) -lcrypto -lpthread -lm

work=$(mktemp -d /tmp/cairn-bench-reg.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "# cairn registry benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)"
echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
"$BUILD/bench/registry_populate" "$work/cairn.db" "$MODELS" "$VERSIONS"

"$BUILD/cairn" server --port 0 --backend-store-uri "sqlite:///$work/cairn.db" \
  --artifacts-destination "$work/artifacts" > "$work/stdout" 2> "$work/stderr" &
pid=$!
for _ in $(seq 1 200); do
  grep -q "listening on" "$work/stdout" 2>/dev/null && break
  sleep 0.02
done
URL=$(sed -n 's/^listening on //p' "$work/stdout" | head -n 1)
A="$URL/api/2.0/mlflow"
q() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }

t() { # label, method, url [, bodyfile]
  echo "## $1"
  echo "   $2 ${3#$URL}"
  "$BUILD/bench/bench_http" time "$N" "$2" "$3" ${4:-}
}

t "search-registered-models, default page (100 models, each with latest versions, tags, aliases)" \
  GET "$A/registered-models/search"
t "search-registered-models, max_results=1000 (all models)" \
  GET "$A/registered-models/search?max_results=1000"
t "search-registered-models, filter name LIKE 'model-05%' (100 models)" \
  GET "$A/registered-models/search?filter=$(q "name LIKE 'model-05%'")"
t "search-registered-models, filter tags.team = 'risk', order_by last_updated_timestamp DESC" \
  GET "$A/registered-models/search?filter=$(q "tags.team = 'risk'")&order_by=$(q 'last_updated_timestamp DESC')"
t "search-model-versions, filter name = 'model-0500' (20 versions)" \
  GET "$A/model-versions/search?filter=$(q "name = 'model-0500'")"
t "search-model-versions, filter tags.validation = 'failed', max_results=1000" \
  GET "$A/model-versions/search?filter=$(q "tags.validation = 'failed'")&max_results=1000"
t "search-model-versions, default order, max_results=1000" \
  GET "$A/model-versions/search?max_results=1000"
t "search-model-versions, max_results=10000 (the MLflow Python client's default)" \
  GET "$A/model-versions/search?max_results=10000"
t "search-model-versions, all $((MODELS * VERSIONS)) versions in one page (default max_results)" \
  GET "$A/model-versions/search"
printf '{"name":"model-0500"}' > "$work/latest.json"
t "get-latest-versions (POST, all stages)" POST "$A/registered-models/get-latest-versions" "$work/latest.json"
t "get alias (GET registered-models/alias)" GET "$A/registered-models/alias?name=model-0500&alias=champion"
