#!/usr/bin/env bash
# Bootstrap: restore the Cake tool, rebuild the typed build library when its sources changed,
# then run the build (build/build.cake), forwarding every argument and the exit code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export CAKE_SETTINGS_ENABLESCRIPTCACHE="${CAKE_SETTINGS_ENABLESCRIPTCACHE:-true}"

cake_dll="${NUGET_PACKAGES:-$HOME/.nuget/packages}/cake.tool/7.0.0/tools/net10.0/any/Cake.dll"
[[ -f "$cake_dll" ]] || dotnet tool restore >/dev/null

# Cake's script cache ignores #r assemblies, so a changed library also invalidates the cache.
lib=build/.lib
sources=$(find build/Exchange.Build src/Exchange.Contracts \( -name bin -o -name obj \) -prune -o -type f -print |
  LC_ALL=C sort | xargs sha256sum global.json Directory.Build.props Directory.Packages.props build/build.cake | sha256sum)
cake_args=()
# Two runs at once (parallel CI jobs, tests) must not both rebuild the library: a run whose library is
# overwritten under it dies with SIGBUS. The second waits for the first, then finds it up to date.
if [[ "$(cat "$lib/.sources" 2>/dev/null)" != "$sources" ]] && command -v flock >/dev/null; then
  mkdir -p "$lib"
  exec 9>"$lib.lock"
  flock 9
fi
if [[ "$(cat "$lib/.sources" 2>/dev/null)" != "$sources" ]]; then
  echo "build.sh: building the build library (its sources changed; about 20 s)" >&2
  # A heartbeat every 10 s, so the first run is not one silent line.
  (start=$SECONDS; while sleep 10; do echo "build.sh: still building the build library ($((SECONDS - start)) s)" >&2; done) &
  heartbeat=$!
  trap 'kill "$heartbeat" 2>/dev/null || true' EXIT
  # Its output only when it fails (a quiet dotnet build still prints six lines of "Build succeeded").
  if ! output=$(dotnet build build/Exchange.Build --configuration Release --output "$lib" --nologo --verbosity quiet 2>&1); then
    echo "$output" >&2
    exit 1
  fi
  kill "$heartbeat" 2>/dev/null || true
  # Cake compiles the script on its first run and caches it: compile it here, still under the lock, so runs started side
  # by side never compile it at once (one would load the cache while the other writes it).
  dotnet "$cake_dll" build/build.cake --invalidate-script-cache --arg=--version >/dev/null 2>&1 || true
  echo "$sources" >"$lib/.sources"
fi
exec 9>&-

# Every argument goes to the build verbatim, as one --arg=... each: Cake's own parser would otherwise answer some
# itself (--help, --version, --verbosity=loud, --target=) before the build sees them. Cake keeps only its cache switch.
for arg in "$@"; do
  if [[ "$arg" == --invalidate-script-cache ]]; then cake_args+=("$arg"); elif [[ -n "$arg" ]]; then cake_args+=("--arg=$arg"); fi
done
exec dotnet "$cake_dll" build/build.cake ${cake_args[@]+"${cake_args[@]}"}
