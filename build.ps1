#!/usr/bin/env pwsh
# Bootstrap (Windows/PowerShell twin of build.sh): restore the Cake tool, rebuild the typed build
# library when its sources changed, then run the build, forwarding every argument and the exit code.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
if (-not $env:CAKE_SETTINGS_ENABLESCRIPTCACHE) { $env:CAKE_SETTINGS_ENABLESCRIPTCACHE = 'true' }

$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$cake = Join-Path $packages 'cake.tool/7.0.0/tools/net10.0/any/Cake.dll'
if (-not (Test-Path $cake)) { dotnet tool restore | Out-Null; if ($LASTEXITCODE) { exit $LASTEXITCODE } }

# Cake's script cache ignores #r assemblies, so a changed library also invalidates the cache.
$lib = 'build/.lib'
$files = @(Get-ChildItem -Recurse -File build/Exchange.Build, src/Exchange.Contracts |
    Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' } | Sort-Object FullName) +
    @('global.json', 'Directory.Build.props', 'Directory.Packages.props' | ForEach-Object { Get-Item $_ })
$sources = ($files | ForEach-Object { (Get-FileHash $_.FullName -Algorithm SHA256).Hash + ' ' + $_.Name }) -join "`n"
$stamp = Join-Path $lib '.sources-ps1'
$cacheArgs = @()
if (-not (Test-Path $stamp) -or (Get-Content -Raw $stamp) -ne $sources) {
    Write-Host 'build.ps1: building the build library (its sources changed)'
    dotnet build build/Exchange.Build --configuration Release --output $lib --nologo --verbosity quiet
    if ($LASTEXITCODE) { exit $LASTEXITCODE }
    Set-Content -NoNewline -Path $stamp -Value $sources
    $cacheArgs = @('--invalidate-script-cache')
}

# Every argument goes to the build verbatim, as one --arg=... each: Cake's own parser would otherwise answer some
# itself (--help, --version, --verbosity=loud, --target=) before the build sees them. Cake keeps only its cache switch.
$buildArgs = @()
foreach ($arg in $args) {
    if ($arg -eq '--invalidate-script-cache') { $cacheArgs += $arg } elseif ($arg) { $buildArgs += "--arg=$arg" }
}
dotnet $cake build/build.cake @cacheArgs @buildArgs
exit $LASTEXITCODE
