#!/usr/bin/env bash
# Runs each libFuzzer target for $FUZZ_SECONDS (default 20) on a copy of its seed corpus
# (tests/fuzz/corpus/<name without fuzz_>/), so that the repository is never written to.
# A crash, a sanitizer report or a leak fails the target; its reproducer is kept in
# build-fuzz/crashes/. Closes with "total: N passed, N failed".
set -u
secs=${FUZZ_SECONDS:-20}
passed=0; failed=0
mkdir -p build-fuzz/crashes
for bin in "$@"; do
  name=$(basename "$bin")
  corpus=$(mktemp -d)
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  [ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null
  log=$(mktemp)
  if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix=build-fuzz/crashes/"$name"- "$corpus" > "$log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n 1)
    echo "ok   $name ($runs in ${secs}s)"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    tail -n 40 "$log"
    failed=$((failed + 1))
  fi
  rm -rf "$corpus" "$log"
done
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
