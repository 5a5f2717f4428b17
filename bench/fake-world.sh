#!/usr/bin/env bash
# Source this to point the pipeline at the fakes (fake aws/cdk/kubectl, a real registry on
# 127.0.0.1, a real Docker engine) in a throw-away directory: `source bench/fake-world.sh`.
# Used by the benchmarks; also handy to try the pipeline without an AWS account.
# Needs: a Docker engine (DOCKER_HOST), docker-registry and htpasswd on PATH, npm ci in infra/.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
world="$(mktemp -d /tmp/exchange-world-XXXXXX)"

dotnet build "$repo/tests/Exchange.Fakes" --configuration Release --nologo --verbosity quiet >/dev/null
fakes_dll="$repo/tests/Exchange.Fakes/bin/Release/net10.0/Exchange.Fakes.dll"
mkdir -p "$world/bin" "$world/state" "$world/registry" "$world/engine" "$world/backend"
for tool in aws cdk kubectl; do
  printf '#!/bin/sh\nexec dotnet %q %s "$@"\n' "$fakes_dll" "$tool" >"$world/bin/$tool"
  chmod +x "$world/bin/$tool"
done

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

cp -r "$repo/tests/fixtures/future-engine/." "$world/engine/"
cp -r "$repo/tests/fixtures/future-backend/." "$world/backend/"
date +%s%N >"$world/engine/build-marker.txt"
date +%s%N >"$world/backend/build-marker.txt"

export AWS_PATH="$world/bin/aws" CDK_PATH="$world/bin/cdk" KUBECTL_PATH="$world/bin/kubectl"
export FAKE_STATE_DIR="$world/state" FAKE_REAL_CDK="$repo/infra/node_modules/.bin/cdk" FAKE_REAL_KUBECTL
FAKE_REAL_KUBECTL="$(command -v kubectl)"
export FAKE_ECR_REGISTRY="127.0.0.1:$port" FAKE_ECR_PASSWORD="$password" FAKE_AWS_ACCOUNT=111122223333
export KUBECONFIG="$world/kubeconfig" EXCHANGE_ARTIFACTS_DIR="$world/artifacts" EXCHANGE_ACCOUNT=111122223333
export EXCHANGE_WORLD="$world" EXCHANGE_WORLD_REGISTRY_PID="$registry_pid"
export WORLD_ENGINE="$world/engine" WORLD_BACKEND="$world/backend"
set +euo pipefail
