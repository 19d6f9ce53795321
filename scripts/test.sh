#!/usr/bin/env bash
# Runs every test project of the solution and prints one closing line
# "N passed, N failed, N skipped" summed over all projects.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build Stockade.slnx -c Debug -nologo -v:q -clp:ErrorsOnly || { echo "build failed"; exit 1; }
# -m:1 keeps test assemblies from competing for the 2 cores while they spawn real workers.
dotnet test Stockade.slnx --no-build -c Debug -nologo -m:1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
read -r passed failed skipped < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
projects=$(grep -cE '^(Passed|Failed)!' "$log")
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$projects" -eq 0 ]; then echo "no test project ran"; exit 1; fi
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
exit 0
