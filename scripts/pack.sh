#!/usr/bin/env bash
# Packs every Stockade package into OUTDIR (default artifacts/packages), one version for the set ($(StockadeVersion)
# in Directory.Build.props): Stockade.Plugin, Stockade.Hosting (with the launcher and the worker), the Stockade.Cli
# tool, and Stockade.Plugin.Testing / Stockade.Templates when their projects are in the tree. docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-artifacts/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
projects=(src/Stockade.Plugin/Stockade.Plugin.csproj src/Stockade.Hosting/Stockade.Hosting.csproj)
[ -f src/Stockade.Plugin.Testing/Stockade.Plugin.Testing.csproj ] && projects+=(src/Stockade.Plugin.Testing/Stockade.Plugin.Testing.csproj)
projects+=(src/Stockade.Cli/Stockade.Cli.csproj)
[ -f templates/Stockade.Templates.csproj ] && projects+=(templates/Stockade.Templates.csproj)
# StockadePack=true: the plumbing assemblies go inside Stockade.Hosting (and the tool) instead of becoming dependencies.
# ContinuousIntegrationBuild=true: deterministic paths (/_/) in the assemblies and symbols.
# One at a time (-m:1 per project, sequential): they share the launcher's NativeAOT publish and the worker build.
version=$(sed -n 's:.*<StockadeVersion>\(.*\)</StockadeVersion>.*:\1:p' Directory.Build.props)
extra=()
if [ -n "${STOCKADE_VERSION:-}" ]; then  # e.g. a prerelease for a smoke test: every package and the runtime stamp get it
  version=$STOCKADE_VERSION
  extra+=("-p:StockadeVersion=$version")
fi
for project in "${projects[@]}"; do
  echo "pack: $project"
  dotnet pack "$project" -c Release -o "$out" -nologo -v:q -clp:ErrorsOnly \
    -p:StockadePack=true -p:ContinuousIntegrationBuild=true "${extra[@]}"
done
echo
echo "packages ($version) in $out:"
for f in "$out"/*."$version".nupkg "$out"/*."$version".snupkg; do
  if [ -f "$f" ]; then printf '  %-48s %8s KiB\n' "$(basename "$f")" $(( $(stat -c %s "$f") / 1024 )); fi
done
