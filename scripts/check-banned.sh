#!/usr/bin/env bash
# Rejects calls of C functions cairn bans (unbounded copies, unchecked conversions,
# non-reentrant tokenising): strcpy strcat sprintf vsprintf gets atoi atol atof strtok.
# A hit is the name as a whole word followed by "(", so snprintf, vsnprintf, fgets and
# strtok_r pass. Prints file:line:text for every hit and exits 1; else prints
# "check-banned: ok" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

banned='strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atof|strtok'
pattern="(^|[^A-Za-z0-9_])($banned)[[:space:]]*\\("

dirs=()
for d in src tests; do
  if [ -d "$d" ]; then dirs+=("$d"); fi
done
if [ "${#dirs[@]}" -eq 0 ]; then
  echo "check-banned: no src/ or tests/ directory" >&2
  exit 2
fi

# grep exits 1 when nothing matches, 2 on a real error.
set +e
hits=$(grep -rnE --include='*.c' --include='*.h' "$pattern" "${dirs[@]}")
rc=$?
set -e
if [ "$rc" -gt 1 ]; then
  echo "check-banned: grep failed" >&2
  exit 2
fi
if [ -n "$hits" ]; then
  printf '%s\n' "$hits"
  echo "check-banned: $(printf '%s\n' "$hits" | wc -l) call(s) of banned functions ($banned)" >&2
  exit 1
fi
echo "check-banned: ok"
