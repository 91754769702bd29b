#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking cairn needs.
# Idempotent: packages already present are left alone, and apt is only consulted when
# something is missing, so running it before every build costs a few milliseconds.
set -euo pipefail

# Build: compiler, pkg-config and the libraries cairn links against.
PKGS_BUILD="build-essential pkg-config libsqlite3-dev libmicrohttpd-dev libjansson-dev
            libcurl4-openssl-dev libssl-dev libyaml-dev"
# Tests: clang (second compiler for warning checks), valgrind, curl and sqlite3 for
# integration checks, and the sanitizer runtimes that come with gcc.
PKGS_TEST="clang libclang-rt-14-dev valgrind curl sqlite3 procps"
# Benchmarks: wrk drives load on loopback.
PKGS_BENCH="wrk"

want="$PKGS_BUILD $PKGS_TEST"
if [ "${1:-}" = "--bench" ]; then want="$want $PKGS_BENCH"; fi

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
