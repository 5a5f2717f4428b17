#!/usr/bin/env bash
# DeployDev in the test world (the real aws and cdk CLIs against the AWS stand-in, the kubectl stand-in,
# the real Docker engine and a real registry):
# the time of each phase for the first run and for the no-op rerun, then the two image builds in
# parallel vs one after the other. Needs what the pipeline tests need (see .ci/run).
# Usage: bench/deploydev.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=fake-world.sh disable=SC1091
source bench/fake-world.sh
set -euo pipefail
# BENCH_LOGS=DIR keeps both runs' logs and call lists there.
trap 'kill "$EXCHANGE_WORLD_STANDIN_PID" "$EXCHANGE_WORLD_REGISTRY_PID" 2>/dev/null
  [[ -n ${BENCH_LOGS:-} ]] && mkdir -p "$BENCH_LOGS" && cp "$EXCHANGE_WORLD"/*.log "$EXCHANGE_WORLD"/*.calls "$BENCH_LOGS"/ 2>/dev/null
  rm -rf "$EXCHANGE_WORLD"' EXIT

phases() { # the per-task durations from Cake's closing table, in seconds
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '/^  [A-Za-z0-9]+ +[0-9][0-9]:[0-9][0-9]:[0-9.]+ +(Succeeded|Skipped)/ {
    split($2, t, ":"); printf "  %-12s %7.2f s\n", $1, t[1] * 3600 + t[2] * 60 + t[3] }'
}

# Every aws and cdk invocation goes through a wrapper that logs its arguments (one line per call), so a run's
# calls can be counted and named: the real CLIs still do the work.
calls="$EXCHANGE_WORLD/calls"
for tool in aws cdk; do
  real=$(if [[ $tool == cdk ]]; then echo "$PWD/infra/node_modules/.bin/cdk"; else command -v aws; fi)
  printf '#!/bin/sh\nprintf "%%s %%s\\n" %s "$*" >>%q\nexec %q "$@"\n' "$tool" "$calls" "$real" >"$EXCHANGE_WORLD/bin/logged-$tool"
  chmod +x "$EXCHANGE_WORLD/bin/logged-$tool"
done
export AWS_PATH="$EXCHANGE_WORLD/bin/logged-aws" CDK_PATH="$EXCHANGE_WORLD/bin/logged-cdk"

run() { # label, log file
  local start end
  : >"$calls"
  start=$(date +%s%N)
  ./build.sh --target=DeployDev --engine-dir="$WORLD_ENGINE" --backend-dir="$WORLD_BACKEND" --checker-dir="$WORLD_CHECKER" >"$2" 2>&1 ||
    { tail -30 "$2" >&2; exit 1; }
  end=$(date +%s%N)
  printf '%s: %.2f s wall, %d aws calls, %d cdk invocations\n' "$1" "$(echo "($end - $start) / 1000000000" | bc -l)" \
    "$(grep -c '^aws ' "$calls")" "$(grep -c '^cdk ' "$calls")"
  phases "$2"
  cp "$calls" "$2.calls"
}

run "DeployDev, first run (empty account; synth, bootstrap, builds and pushes)" "$EXCHANGE_WORLD/first.log"
run "DeployDev, no-op rerun" "$EXCHANGE_WORLD/second.log"
if grep -qE 'Building |Pushed ' "$EXCHANGE_WORLD/second.log"; then echo "ERROR: the rerun built or pushed" >&2; exit 1; fi
grep -q 'No changes: everything was already up to date.' "$EXCHANGE_WORLD/second.log" && echo "  rerun said: No changes"
echo "  the rerun's aws calls (service operation, count):"
grep '^aws ' "$EXCHANGE_WORLD/second.log.calls" | awk '{ print "    " $2 " " $3 }' | sort | uniq -c | sort -rn
writes=$(grep -cE '^aws (s3api put-object|s3 cp|ecr get-login-password|ecr put-|cloudformation (create|update|execute|delete))' \
  "$EXCHANGE_WORLD/second.log.calls" || true)
echo "  writes in the rerun: $writes"

# Image builds: both at once (what BuildImages does) vs one after the other, on fresh contexts.
build_pair() { # mode
  date +%s%N >"$WORLD_ENGINE/build-marker.txt"; date +%s%N >"$WORLD_BACKEND/build-marker.txt"
  local tag start end
  tag="bench-$(date +%s%N)"
  start=$(date +%s%N)
  if [[ $1 == parallel ]]; then
    docker build -q -f "$WORLD_ENGINE/Dockerfile.shard" -t "matching-engine-shard:$tag" "$WORLD_ENGINE" >/dev/null 2>&1 &
    docker build -q -f "$WORLD_BACKEND/Dockerfile" -t "future-backend:$tag" "$WORLD_BACKEND" >/dev/null 2>&1 &
    wait
  else
    docker build -q -f "$WORLD_ENGINE/Dockerfile.shard" -t "matching-engine-shard:$tag" "$WORLD_ENGINE" >/dev/null 2>&1
    docker build -q -f "$WORLD_BACKEND/Dockerfile" -t "future-backend:$tag" "$WORLD_BACKEND" >/dev/null 2>&1
  fi
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
par=(); seq_=()
for _ in 1 2 3 4 5; do par+=("$(build_pair parallel)"); seq_+=("$(build_pair sequential)"); done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(($# / 2 + 1))p"; }
echo "image builds (engine + backend, FROM scratch fixtures, 5 runs each):"
echo "  parallel    median $(median "${par[@]}") ms   (${par[*]})"
echo "  sequential  median $(median "${seq_[@]}") ms   (${seq_[*]})"
