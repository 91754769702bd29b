#!/usr/bin/env bash
# The whole test suite from a fresh checkout: install dependencies, check for banned
# functions, build warning-free with gcc and clang, run every test, then run the suite
# again under AddressSanitizer + UndefinedBehaviorSanitizer, the libFuzzer targets briefly,
# and finally the integration tests under valgrind. Closes with one "total: N passed, N
# failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-banned.sh

jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

step() { printf '\n== %s\n' "$*"; }
summary() { grep -E '^total: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1; }

step "warnings: gcc and clang at -Wall -Wextra -Werror"
make -s -j"$jobs" check-warnings >/dev/null

step "suite (gcc -O2)"
make -s -j"$jobs" tests-build
make -s test | tee "$log/plain.txt"

step "suite under AddressSanitizer + UBSan"
make -s -j"$jobs" BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
  EXTRA_LDFLAGS="-fsanitize=address,undefined" tests-build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  make -s BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
  EXTRA_LDFLAGS="-fsanitize=address,undefined" test | tee "$log/asan.txt"

step "fuzz targets, ${FUZZ_SECONDS:-20} s each (libFuzzer + ASan + UBSan)"
make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" | tee "$log/fuzz.txt"

step "integration tests with the server under valgrind"
CAIRN_VALGRIND=1 CAIRN_TEST_TIMEOUT=300 make -s integration | tee "$log/valgrind.txt"

p=0; f=0
for s in plain asan fuzz valgrind; do
  line=$(summary "$log/$s.txt")
  [ -n "$line" ] || { echo "$s: no summary line"; f=$((f + 1)); continue; }
  p=$((p + $(echo "$line" | sed -E 's/total: ([0-9]+) passed.*/\1/')))
  f=$((f + $(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')))
done
echo
echo "total: $p passed, $f failed"
[ "$f" -eq 0 ]
