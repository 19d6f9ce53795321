#!/usr/bin/env bash
# Issue 17: proves the packages from the outside, as a user who has only them. Packs every package into a local
# folder feed, then, in a fresh temporary folder OUTSIDE the repository (own nuget.config with package source mapping:
# Stockade.* only from that feed, everything else from the usual registry; own DOTNET_CLI_HOME and NUGET_PACKAGES, so
# nothing comes from this clone or its caches), runs the commands docs/getting-started.md gives a user:
#   dotnet new install Stockade.Templates · dotnet tool install Stockade.Cli · dotnet new stockade-host /
#   stockade-plugin (JIT and --native) / stockade-plugin-python · build · dotnet test (in-process and confined) · dotnet publish
#   the host · stockade install the three plugins into a throwaway home · run the published app: it calls them confined, a plugin
#   folder written for the app calls the app's clock service, and its guarantee report says Landlock and seccomp are
#   enforced by the kernel.
# Also checks that `stockade init` writes what `dotnet new` writes. Each step is timed; a failing step is named.
# Usage: scripts/package-e2e.sh [--keep]   (--keep leaves the temporary folder for a look)
#        STOCKADE_E2E_FEED=DIR scripts/package-e2e.sh   uses the packages already in DIR instead of packing (local reruns)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
keep=false
[ "${1:-}" = "--keep" ] && keep=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false

# Workers of a root host run under their own unprivileged uids: every folder they read (the published app, the tool,
# the installed plugins) must be traversable, so the work folder is 0755 and lives in /tmp, not under /root.
work=$(mktemp -d "${TMPDIR:-/tmp}/stockade-e2e.XXXXXX")
chmod 0755 "$work"
cleanup() { if $keep; then echo "kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

total_start=$(date +%s.%N)
timings=()
current=""
fail() { trap - ERR; echo; echo "package-e2e: FAILED at step '$current'${1:+: $1}" >&2; exit 1; }
trap 'fail' ERR
step() {
  current=$1
  shift
  echo
  echo "== $current"
  local start end
  start=$(date +%s.%N)
  "$@" # set -E: a failing command inside a step's function reaches the ERR trap, which names the step
  end=$(date +%s.%N)
  timings+=("$(awk -v s="$start" -v e="$end" -v n="$current" 'BEGIN { printf "%7.1f s  %s", e - s, n }')")
}

feed=${STOCKADE_E2E_FEED:-$work/feed}
pack() {
  if [ -n "${STOCKADE_E2E_FEED:-}" ]; then
    echo "using the packages in $feed"
  elif [ -f scripts/pack.sh ]; then
    bash scripts/pack.sh "$feed"
  else
    # Stand-in until scripts/pack.sh (issue 17, packaging) is in the tree: plain `dotnet pack` of each package project.
    local p
    for p in src/Stockade.Plugin/Stockade.Plugin.csproj src/Stockade.Hosting/Stockade.Hosting.csproj \
             src/Stockade.Plugin.Testing/Stockade.Plugin.Testing.csproj src/Stockade.Cli/Stockade.Cli.csproj \
             templates/Stockade.Templates.csproj; do
      if [ -f "$p" ]; then dotnet pack "$p" -c Release -o "$feed" -nologo -v:q -clp:ErrorsOnly; fi
    done
  fi
}
step "pack every package into a local feed" pack

version=$(sed -n 's:.*<StockadeVersion>\(.*\)</StockadeVersion>.*:\1:p' Directory.Build.props | head -1)
version=${version:-0.1.0}
for id in Stockade.Plugin Stockade.Hosting Stockade.Plugin.Testing Stockade.Cli Stockade.Templates; do
  [ -f "$feed/$id.$version.nupkg" ] || { current="pack every package into a local feed"; fail "$feed/$id.$version.nupkg is missing"; }
done

# From here on: outside the repository, with nothing of it but the feed.
user=$work/user
mkdir -p "$user"
cd "$user"
export DOTNET_CLI_HOME=$work/dotnet-home NUGET_PACKAGES=$work/nuget-packages
export NUGET_HTTP_CACHE_PATH=$work/nuget-http-cache NUGET_PLUGINS_CACHE_PATH=$work/nuget-plugins-cache
unset STOCKADE_HOME
home=$work/stockade-home
tools=$work/tools
export PATH=$tools:$PATH

nuget_config() {
  # The usual registry: the sources this machine's NuGet is configured with (enabled, not local folders).
  local sources
  sources=$(cd "$repo" && dotnet nuget list source --format short | awk '$1 == "E" && $2 ~ /^https?:/ {print $2}')
  [ -n "$sources" ] || sources=https://api.nuget.org/v3/index.json
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo '  <packageSources>'
    echo '    <clear />'
    echo "    <add key=\"stockade-local\" value=\"$feed\" />"
    local i=0 s
    for s in $sources; do echo "    <add key=\"registry$i\" value=\"$s\" />"; i=$((i + 1)); done
    echo '  </packageSources>'
    echo '  <packageSourceMapping>'
    echo '    <packageSource key="stockade-local"><package pattern="Stockade.*" /></packageSource>'
    i=0
    for s in $sources; do echo "    <packageSource key=\"registry$i\"><package pattern=\"*\" /></packageSource>"; i=$((i + 1)); done
    echo '  </packageSourceMapping>'
    echo '</configuration>'
  } > nuget.config
  cat nuget.config
}
step "nuget.config: Stockade.* only from the local feed" nuget_config

step "dotnet new install Stockade.Templates" dotnet new install "Stockade.Templates::$version"
step "dotnet tool install Stockade.Cli" dotnet tool install Stockade.Cli --version "$version" --tool-path "$tools"
doctor() { stockade doctor || echo "(stockade doctor exited $?: see above what this machine cannot enforce)"; }
step "stockade doctor" doctor

step "dotnet new stockade-host" dotnet new stockade-host -o Shop
step "dotnet new stockade-plugin" dotnet new stockade-plugin -o greeter --id shop.greeter
step "dotnet new stockade-plugin-python" dotnet new stockade-plugin-python -o weather --id shop.weather
step "dotnet new stockade-plugin --native" dotnet new stockade-plugin --native -o fast --id shop.fast

same_as_init() {
  stockade init init-csharp/greeter --id shop.greeter --lang csharp >/dev/null
  stockade init init-python/weather --id shop.weather --lang python >/dev/null
  diff -r greeter init-csharp/greeter
  diff -r weather init-python/weather
  stockade init init-native/fast --id shop.fast --lang csharp --native >/dev/null
  diff -r fast init-native/fast
  rm -rf init-csharp init-python init-native
}
step "stockade init writes what dotnet new writes" same_as_init

step "dotnet build the C# plugin" dotnet build greeter -nologo -v:q -clp:ErrorsOnly
step "dotnet test the C# plugin (in-process and confined)" dotnet test greeter --no-build -nologo -v:q --logger "console;verbosity=normal"
# The same plugin compiled ahead of time (issue 19): one executable, generated dispatch, run as 'runtime: native'.
step "dotnet build the NativeAOT plugin" dotnet build fast -nologo -v:q -clp:ErrorsOnly
step "dotnet test the NativeAOT plugin (in-process and confined)" dotnet test fast --no-build -nologo -v:q --logger "console;verbosity=normal"

# A plugin written for the application: it calls the app's clock service (permission clock:read, a category the app
# defines by registering the service). The app loads it from its folder and grants it in code.
clock_plugin() {
  dotnet new stockade-plugin -o clock --id shop.clock >/dev/null
  cat > clock/Clock/ClockPlugin.cs <<'EOF'
using System.Text.Json;
using Stockade.Plugin;

namespace Clock;

public sealed class ClockPlugin : IPlugin
{
    private IPluginContext? _context;

    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        return ValueTask.CompletedTask;
    }

    [PluginMethod("hello")]
    public async Task<JsonElement> HelloAsync(JsonElement input, CancellationToken cancellationToken) =>
        await _context!.Services.CallAsync("clock", "now", null, cancellationToken);
}
EOF
  # Its only types are JsonElement: without the template's JSON context the generator leaves it to reflection dispatch
  # (information STK2008), the path every plugin built before the generator takes.
  rm clock/Clock/ClockJson.cs
  sed -i 's/^  required: \[\]$/  required: [clock:read]/' clock/Clock/plugin.yaml
  grep -q 'required: \[clock:read\]' clock/Clock/plugin.yaml
  dotnet build clock/Clock -nologo -v:q -clp:ErrorsOnly
}
step "a plugin for the app's clock service (dotnet new stockade-plugin, edited)" clock_plugin

step "dotnet publish the host app" dotnet publish Shop -c Release -o "$work/shop-publish" -nologo -v:q -clp:ErrorsOnly
step "stockade install the C# plugin" stockade install greeter/Greeter --home "$home" --grant all --yes
step "stockade install the Python plugin" stockade install weather --home "$home" --grant all --yes
step "stockade install the NativeAOT plugin" stockade install fast/Fast --home "$home" --grant all --yes
step "stockade list" stockade list --home "$home"

run_app() {
  "$work/shop-publish/Shop" --home "$home" clock/Clock --grant clock:read | tee "$work/app.out"
  local out=$work/app.out
  grep -q '^shop.greeter hello -> {"message":"Hello, Stockade!"}' "$out" || fail "the C# plugin did not answer"
  grep -q '^shop.weather hello -> {"message":"Hello, Stockade!"}' "$out" || fail "the Python plugin did not answer"
  grep -q '^shop.fast hello -> {"message":"Hello, Stockade!"}' "$out" || fail "the NativeAOT plugin did not answer"
  grep -q "^loaded shop.fast .* (installed) at 'sandboxed'" "$out" || fail "the NativeAOT plugin was not loaded from the store at 'sandboxed'"
  grep -q '^shop.clock hello -> {"utc":' "$out" || fail "the clock service did not answer the plugin"
  grep -q "^loaded shop.greeter .* (installed) at 'sandboxed'" "$out" || fail "the C# plugin was not loaded from the store at 'sandboxed'"
  grep -q "^loaded shop.weather .* (installed) at 'sandboxed'" "$out" || fail "the Python plugin was not loaded from the store at 'sandboxed'"
  [ "$(grep -c '^  Landlock: enforced by the kernel$' "$out")" -eq 4 ] || fail "the guarantee report does not say Landlock is enforced for every plugin"
  [ "$(grep -c '^  seccomp: enforced by the kernel$' "$out")" -eq 4 ] || fail "the guarantee report does not say seccomp is enforced for every plugin"
}
step "run the published app (the three plugins confined, the clock service, the guarantee report)" run_app

trap - ERR
total_end=$(date +%s.%N)
echo
echo "package-e2e: every step passed"
printf '%s\n' "${timings[@]}"
awk -v s="$total_start" -v e="$total_end" 'BEGIN { printf "%7.1f s  total\n", e - s }'
echo
echo "package sizes:"
for f in "$feed"/*.nupkg "$feed"/*.snupkg; do
  if [ -f "$f" ]; then printf '  %-48s %8s KiB\n' "$(basename "$f")" $(( $(stat -c %s "$f") / 1024 )); fi
done
exit 0
