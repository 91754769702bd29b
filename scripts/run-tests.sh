#!/usr/bin/env bash
# Runs test binaries one after another and adds up their "N passed, N failed" lines.
# Closes with "total: N passed, N failed" and exits non-zero if any test failed or any
# binary did not report.
set -u
passed=0; failed=0; broken=""
for t in "$@"; do
  out=$(mktemp)
  "$t" 2>&1 | tee "$out"
  line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
  if [ -z "$line" ]; then
    broken="$broken $(basename "$t")"
  else
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p)); failed=$((failed + f))
  fi
  rm -f "$out"
done
if [ -n "$broken" ]; then
  echo "binaries that crashed before reporting:$broken"
  failed=$((failed + 1))
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
