#!/usr/bin/env bash
# Source this to point the pipeline at the test world in a throw-away directory:
# `source bench/fake-world.sh`. The real aws CLI and the real CDK CLI talk to the AWS stand-in
# (tests/Exchange.AwsStandIn) through AWS_ENDPOINT_URL; kubectl is the recording stand-in
# (tests/Exchange.Fakes); a real registry on 127.0.0.1 stands in for ECR; the Docker engine is real.
# Used by the benchmarks; also the way to try DeployDev by hand without an AWS account.
# EXCHANGE_WORLD_TIME_SCALE=S makes it the timed world: stacks take as long as AWS takes, S seconds per AWS minute
# (tests/Exchange.AwsStandIn/Timing.cs); unset, they deploy at once.
# Needs: a Docker engine (DOCKER_HOST), docker-registry and htpasswd on PATH, the aws CLI v1, npm ci in infra/.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
world="$(mktemp -d /tmp/exchange-world-XXXXXX)"

dotnet build "$repo/tests/Exchange.Fakes" --configuration Release --nologo --verbosity quiet >/dev/null
dotnet build "$repo/tests/Exchange.AwsStandIn" --configuration Release --nologo --verbosity quiet >/dev/null
bin="$repo/tests/Exchange.Fakes/bin/Release/net10.0"
mkdir -p "$world/bin" "$world/state" "$world/registry" "$world/engine" "$world/backend" "$world/checker"
printf '#!/bin/sh\nexec dotnet %q kubectl "$@"\n' "$bin/Exchange.Fakes.dll" >"$world/bin/kubectl"
chmod +x "$world/bin/kubectl"
# The Session Manager plugin stand-in, on PATH, where the aws CLI looks for it (the tunnel to the private EKS API).
mkdir -p "$world/path"
printf '#!/bin/sh\nexec dotnet %q session-manager-plugin "$@"\n' "$bin/Exchange.Fakes.dll" >"$world/path/session-manager-plugin"
chmod +x "$world/path/session-manager-plugin"

password="ecr-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
port=$((20000 + RANDOM % 20000))
htpasswd -Bbn AWS "$password" >"$world/registry/htpasswd"
cat >"$world/registry/config.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $world/registry/data}}
http: {addr: 127.0.0.1:$port}
auth: {htpasswd: {realm: bench, path: $world/registry/htpasswd}}
YAML
docker-registry serve "$world/registry/config.yml" >"$world/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done

# The AWS stand-in prints the environment a client needs (export lines), then serves until stopped.
timed=()
if [[ -n ${EXCHANGE_WORLD_TIME_SCALE:-} ]]; then timed=(--time-scale "$EXCHANGE_WORLD_TIME_SCALE"); fi
printf '%s\n' "$password" | dotnet "$repo/tests/Exchange.AwsStandIn/bin/Release/net10.0/Exchange.AwsStandIn.dll" \
  --registry "127.0.0.1:$port" --broker-dir "$world/brokers" "${timed[@]}" >"$world/standin.env" 2>"$world/standin.log" &
standin_pid=$!
for _ in $(seq 1 100); do grep -q AWS_ENDPOINT_URL "$world/standin.env" 2>/dev/null && break; sleep 0.1; done
# shellcheck disable=SC1091
source "$world/standin.env"

cp -r "$repo/tests/fixtures/future-engine/." "$world/engine/"
cp -r "$repo/tests/fixtures/future-backend/." "$world/backend/"
# The connectivity checker's real image needs base images no registry here serves: its FROM scratch stand-in.
cp -r "$repo/tests/fixtures/exchange-checker/." "$world/checker/"
date +%s%N >"$world/engine/build-marker.txt"
date +%s%N >"$world/backend/build-marker.txt"
date +%s%N >"$world/checker/build-marker.txt"

export PATH="$world/path:$PATH"
export KUBECTL_PATH="$world/bin/kubectl" FAKE_STATE_DIR="$world/state" FAKE_REAL_KUBECTL
FAKE_REAL_KUBECTL="$(command -v kubectl)"
export CDK_DISABLE_CLI_TELEMETRY=true
export KUBECONFIG="$world/kubeconfig" EXCHANGE_ARTIFACTS_DIR="$world/artifacts" EXCHANGE_ACCOUNT=111122223333
export EXCHANGE_WORLD="$world" EXCHANGE_WORLD_REGISTRY_PID="$registry_pid" EXCHANGE_WORLD_STANDIN_PID="$standin_pid"
export WORLD_ENGINE="$world/engine" WORLD_BACKEND="$world/backend" WORLD_CHECKER="$world/checker"
echo "Test world in $world: AWS stand-in at $AWS_ENDPOINT_URL${EXCHANGE_WORLD_TIME_SCALE:+ (timed: $EXCHANGE_WORLD_TIME_SCALE s per AWS minute)}, registry 127.0.0.1:$port."
echo "Try: ./build.sh --target=DeployDev --engine-dir=\$WORLD_ENGINE --backend-dir=\$WORLD_BACKEND --checker-dir=\$WORLD_CHECKER"
echo "Requests the stand-in answered: curl -s \$AWS_ENDPOINT_URL/_standin/requests; when done:"
echo "  kill \$EXCHANGE_WORLD_STANDIN_PID \$EXCHANGE_WORLD_REGISTRY_PID; rm -rf \$EXCHANGE_WORLD"
set +euo pipefail
