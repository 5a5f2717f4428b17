#!/usr/bin/env bash
# Bootstrap: restore the Cake tool, rebuild the typed build library when its sources changed,
# then run the task graph (build/build.cake), forwarding every argument and the exit code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export CAKE_SETTINGS_ENABLESCRIPTCACHE="${CAKE_SETTINGS_ENABLESCRIPTCACHE:-true}"

cake_dll="${NUGET_PACKAGES:-$HOME/.nuget/packages}/cake.tool/7.0.0/tools/net10.0/any/Cake.dll"
[[ -f "$cake_dll" ]] || dotnet tool restore >/dev/null

# Cake's script cache ignores #r assemblies, so a changed library also invalidates the cache.
lib=build/.lib
sources=$(find build/Exchange.Build src/Exchange.Contracts \( -name bin -o -name obj \) -prune -o -type f -print |
  LC_ALL=C sort | xargs sha256sum global.json Directory.Build.props Directory.Packages.props | sha256sum)
cache_args=()
# Two runs at once (parallel CI jobs, tests) must not both rebuild the library: a run whose library is
# overwritten under it dies with SIGBUS. The second waits for the first, then finds it up to date.
if [[ "$(cat "$lib/.sources" 2>/dev/null)" != "$sources" ]] && command -v flock >/dev/null; then
  mkdir -p "$lib"
  exec 9>"$lib.lock"
  flock 9
fi
if [[ "$(cat "$lib/.sources" 2>/dev/null)" != "$sources" ]]; then
  echo "build.sh: building the build library (its sources changed)" >&2
  dotnet build build/Exchange.Build --configuration Release --output "$lib" --nologo --verbosity quiet >&2
  echo "$sources" >"$lib/.sources"
  cache_args=(--invalidate-script-cache)
fi
exec 9>&-

exec dotnet "$cake_dll" build/build.cake ${cache_args[@]+"${cache_args[@]}"} "$@"
