#!/usr/bin/env bash
# The guided tour on a throwaway home (the demo makes its own temporary STOCKADE_HOME).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run --project src/Stockade.Cli -- demo "$@"
