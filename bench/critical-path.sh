#!/usr/bin/env bash
# A first DeployDev against the fastest one possible, in the time-scaled test world: the AWS stand-in gives each resource
# AWS's creation time (tests/Exchange.AwsStandIn/Timing.cs, sources cited there), SCALE seconds per AWS minute.
# Prints the critical path (the bootstrap stack, then the stacks in their dependency order, each as long as the longest
# chain of its resources), runs DeployDev from an empty account, and prints the wall time against it with a timeline:
# each pipeline step (start, end, what it waited for) and each stack (began, done, the dependency it waited for).
# Synth runs first and is not counted (it needs no AWS and is skipped when nothing changed).
# Usage: bench/critical-path.sh [SCALE]   (default 5: an EKS cluster takes 50 s)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export EXCHANGE_WORLD_TIME_SCALE="${1:-5}"
# shellcheck source=fake-world.sh disable=SC1091
source bench/fake-world.sh
set -euo pipefail
trap 'kill "$EXCHANGE_WORLD_STANDIN_PID" "$EXCHANGE_WORLD_REGISTRY_PID" 2>/dev/null; rm -rf "$EXCHANGE_WORLD"' EXIT
standin=(dotnet tests/Exchange.AwsStandIn/bin/Release/net10.0/Exchange.AwsStandIn.dll)

./build.sh --target=Synth >"$EXCHANGE_WORLD/synth.log" 2>&1 || { cat "$EXCHANGE_WORLD/synth.log"; exit 1; }
assembly="$(dirname "$(find "$EXCHANGE_ARTIFACTS_DIR" -path '*cdk.out/manifest.json' -not -path '*cdk.out/cdk.out/*' | head -1)")"
(cd "$EXCHANGE_WORLD" && "$OLDPWD/infra/node_modules/.bin/cdk" bootstrap --show-template --no-notices >bootstrap.yaml 2>/dev/null)

stamp() { # prefixes each line with the epoch time it was read
  python3 -u -c 'import sys, time
for line in sys.stdin: sys.stdout.write("%.3f %s" % (time.time(), line)); sys.stdout.flush()'
}
start=$(date +%s.%N)
set +e
./build.sh --target=DeployDev --engine-dir="$WORLD_ENGINE" --backend-dir="$WORLD_BACKEND" --checker-dir="$WORLD_CHECKER" 2>&1 \
  | stamp >"$EXCHANGE_WORLD/deploy.log"
status=${PIPESTATUS[0]}
set -e
end=$(date +%s.%N)
if [[ $status -ne 0 ]]; then sed 's/\x1b\[[0-9;]*m//g' "$EXCHANGE_WORLD/deploy.log" | tail -40; echo "DeployDev failed ($status)" >&2; exit 1; fi
curl -s "$AWS_ENDPOINT_URL/_standin/timeline" >"$EXCHANGE_WORLD/timeline.json"

echo "== critical path (1 AWS minute = $EXCHANGE_WORLD_TIME_SCALE s)"
# cdk bootstrap passes FileAssetsBucketKmsKeyId=AWS_MANAGED_KEY unless told otherwise: no KMS key before the bucket.
"${standin[@]}" critical-path --assembly "$assembly" --time-scale "$EXCHANGE_WORLD_TIME_SCALE" --first "CDKToolkit=$EXCHANGE_WORLD/bootstrap.yaml" \
  --first-parameters FileAssetsBucketKmsKeyId=AWS_MANAGED_KEY --timeline "$EXCHANGE_WORLD/timeline.json" --since "$start" | tee "$EXCHANGE_WORLD/critical.txt"
critical=$(sed -n 's/^critical_path_seconds=//p' "$EXCHANGE_WORLD/critical.txt")

echo "== DeployDev's steps (seconds since it started; a step waits for the one before it unless it says otherwise)"
sed 's/\x1b\[[0-9;]*m//g' "$EXCHANGE_WORLD/deploy.log" | awk -v t0="$start" -v t1="$end" '
  function close_step(at) { if (step != "") { printf "  %-14s %8.1f %8.1f %8.1f  %s\n", step, begin - t0, at - t0, at - begin, waited; last = step } }
  BEGIN { printf "  %-14s %8s %8s %8s  %s\n", "step", "start", "end", "took", "waited for" }
  $2 == "==>" { close_step($1); step = $3; begin = $1; waited = (last == "" ? "-" : last) ; next }
  /^[0-9.]+ Summary:/ { close_step($1); step = "" }
  END { close_step(t1) }'
push=$(sed 's/\x1b\[[0-9;]*m//g' "$EXCHANGE_WORLD/deploy.log" | awk '$2 == "Pushing" && !seen { print $1; seen = 1 }')
eks=$(jq -r '[.[] | select(.Stack | endswith("-Eks")) | select(.Operation == "CREATE")][0].Due' "$EXCHANGE_WORLD/timeline.json")
eks=$(date -d "$eks" +%s.%N)
if [[ -n $push ]]; then
  printf '== image push started at %.1f s, the Eks stack was done at %.1f s: the push %s\n' "$(echo "$push - $start" | bc -l)" \
    "$(echo "$eks - $start" | bc -l)" "$(if (($(echo "$push < $eks" | bc -l))); then echo "overlaps it"; else echo "waited for it"; fi)"
fi
wall=$(echo "$end - $start" | bc -l)
printf '== first DeployDev: %.1f s wall, critical path %.1f s: %.2f times the critical path (goal: 1.1)\n' \
  "$wall" "$critical" "$(echo "$wall / $critical" | bc -l)"
