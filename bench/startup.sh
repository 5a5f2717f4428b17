#!/usr/bin/env bash
# Cold and warm start of a cheap target (./build.sh --target=Plan by default).
# Cold: the script cache is invalidated, so Cake compiles build.cake again (what a first run or a
# changed script costs). Warm: the cached, compiled script runs (every later run).
# Usage: bench/startup.sh [runs] [build.sh arguments...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"; shift || true
args=("$@"); ((${#args[@]})) || args=(--target=Plan --engine-dir=tests/fixtures/future-engine --backend-dir=tests/fixtures/future-backend)

./build.sh "${args[@]}" >/dev/null 2>&1 # make sure the library is built

measure() { # prints the wall time of one run in milliseconds
  local start end
  start=$(date +%s%N)
  ./build.sh "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

summary() { # name, then values: min / median / max
  local name=$1; shift
  local sorted
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  printf '%-6s min %5d ms   median %5d ms   max %5d ms   (%d runs)\n' "$name" "${sorted[0]}" "${sorted[$((${#sorted[@]} / 2))]}" "${sorted[-1]}" "${#sorted[@]}"
}

cold=(); warm=()
for _ in $(seq "$runs"); do cold+=("$(measure --invalidate-script-cache "${args[@]}")"); done
for _ in $(seq "$runs"); do warm+=("$(measure "${args[@]}")"); done
echo "./build.sh ${args[*]}"
summary cold "${cold[@]}"
summary warm "${warm[@]}"
