#!/usr/bin/env bash
# Package-level smoke test of issue 17 (docs/packaging.md, "Proof"): packs every package into a temporary feed, then, in
# a temporary folder outside the repository, with a nuget.config that maps Stockade.* to that feed only (everything
# else from the usual sources), creates a console app, `dotnet add package Stockade.Hosting`, loads a copy of
# samples/plugins/hello-python (and the built hello-csharp sample, so the .NET worker runs from the package too) and
# calls them confined (Landlock and seccomp enforced by the kernel), through
# `dotnet run`, a framework-dependent publish and a self-contained publish (-r linux-x64 --self-contained), the last
# run with the shared runtime hidden (a mount namespace over /usr/share/dotnet, no DOTNET_ROOT, no dotnet on PATH);
# then installs the stockade tool from the feed and runs `stockade doctor` and `stockade run` of the same plugin.
#
# The packages get a unique prerelease version (0.1.0-smoke.<time>) so no copy cached by an earlier run can stand in
# for them. With --feed DIR the packages already in DIR (from scripts/pack.sh) are used instead, and their version's
# Stockade.* folders are removed from the NuGet cache first, for the same reason. Either way the version's folders are
# removed from the cache at the end (the prerelease only: a released version's cache entry is left for others).
# Usage: bash scripts/pack-smoke.sh [--feed DIR] [--keep]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keep="" feed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=--keep ;;
    --feed) feed=$(cd "$2" && pwd); shift ;;
    *) echo "usage: bash scripts/pack-smoke.sh [--feed DIR] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
base=$(sed -n 's:.*<StockadeVersion>\(.*\)</StockadeVersion>.*:\1:p' "$repo/Directory.Build.props")
if [ -n "$feed" ]; then
  hosting=$(ls "$feed"/Stockade.Hosting.*.nupkg | head -1)
  version=${hosting##*/Stockade.Hosting.}; version=${version%.nupkg}
else
  version="$base-smoke.$(date +%s)"
fi
work=$(mktemp -d /tmp/stockade-pack-smoke-XXXXXX)
chmod 755 "$work" # workers run as another uid when the host is root: they traverse to the plugin and the home
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
cleanup() {
  [ -n "$feed" ] || for id in stockade.plugin stockade.hosting stockade.cli stockade.plugin.testing stockade.templates; do
    rm -rf "$cache/$id/$version"
  done
  if [ "$keep" = "--keep" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
t0=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - t0 )) s)"; }
fail() { echo "pack-smoke: FAILED: $*" >&2; exit 1; }

if [ -n "$feed" ]; then
  step "packages $version from $feed"
  mkdir -p "$work/feed" && cp "$feed"/*."$version".nupkg "$work/feed/"
  for id in stockade.plugin stockade.hosting stockade.cli stockade.plugin.testing stockade.templates; do rm -rf "$cache/$id/$version"; done
else
  step "pack $version into $work/feed"
  STOCKADE_VERSION=$version bash "$repo/scripts/pack.sh" "$work/feed"
fi

step "nuget.config: Stockade.* from the feed only, everything else from the usual sources"
sources=$(cd "$work" && dotnet nuget list source --format short | awk '$1 ~ /^E/ {print $2}')
[ -n "$sources" ] || fail "no enabled package source (dotnet nuget list source)"
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"stockade-local\" value=\"$work/feed\" />"
  i=0; for s in $sources; do echo "    <add key=\"upstream-$i\" value=\"$s\" />"; i=$((i + 1)); done
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="stockade-local"><package pattern="Stockade.*" /></packageSource>'
  i=0; for s in $sources; do echo "    <packageSource key=\"upstream-$i\"><package pattern=\"*\" /></packageSource>"; i=$((i + 1)); done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} > "$work/nuget.config"
cat "$work/nuget.config"

step "a console app with Stockade.Hosting (no ProjectReference, no path into the repository)"
mkdir -p "$work/plugins" "$work/home"
cp -r "$repo/samples/plugins/hello-python" "$work/plugins/"
# A .NET plugin too, so the worker itself (not only the launcher) runs from the package, on the app's runtime when the
# app is self-contained: the sample's build output (built by scripts/pack.sh through the CLI project) and manifest.
[ -f "$repo/samples/plugins/hello-csharp/bin/HelloPlugin.dll" ] || dotnet build "$repo/samples/plugins/hello-csharp" -c Release -nologo -v:q
mkdir -p "$work/plugins/hello-csharp"
cp -r "$repo/samples/plugins/hello-csharp/plugin.yaml" "$repo/samples/plugins/hello-csharp/bin" "$work/plugins/hello-csharp/"
chmod -R a+rX "$work/plugins"
chmod 711 "$work/home"
cd "$work"
dotnet new console -n SmokeApp -o app --framework net10.0 >/dev/null
cd app
dotnet add package Stockade.Hosting --version "$version"
grep -q "Stockade.Hosting" SmokeApp.csproj || fail "the package reference is missing"
! grep -rq "$repo" SmokeApp.csproj "$work/nuget.config" || fail "the app names the repository"
cat > Program.cs <<'CS'
using System.Text.Json;
using Stockade.Hosting;

// Loads each plugin folder given after the home, calls its greet confined and prints what the kernel enforces for it.
await using var host = new PluginHost(new PluginHostOptions { Home = args[0] });
foreach (var folder in args.Skip(1))
{
    var loaded = await host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" });
    var greeting = await host.InvokeAsync(loaded.Id, "greet", JsonSerializer.SerializeToElement(new { name = "package" }));
    Console.WriteLine($"{loaded.Id}: greet -> {greeting}");
    var plugin = host.Plugins.Single(p => p.Id == loaded.Id);
    Console.WriteLine($"{loaded.Id}: level {plugin.EffectiveLevel}");
    foreach (var g in plugin.Guarantees.Where(g => g.Layer == EnforcementLayer.Kernel))
    {
        Console.WriteLine($"{loaded.Id}: kernel: {g.Subject} = {g.Mechanism}");
    }
}
CS
check() { # output of one run: both plugins answered, each with Landlock and seccomp enforced by the kernel
  echo "$1" | grep -v ': kernel: ' ; echo "  ($(grep -c ': kernel: ' <<<"$1") kernel guarantee lines)"
  for id in samples.hello-python samples.hello; do
    grep -q "^$id: greet -> .*Hello, package" <<<"$1" || fail "$2: $id did not answer"
    grep -q "^$id: kernel: .*Landlock" <<<"$1" || fail "$2: Landlock is not enforced for $id"
    grep -qi "^$id: kernel: .*seccomp" <<<"$1" || fail "$2: seccomp is not enforced for $id"
  done
}
plugins=("$work/plugins/hello-python" "$work/plugins/hello-csharp")

step "dotnet build + dotnet run"
check "$(dotnet run -c Release -- "$work/home/run" "${plugins[@]}")" "dotnet run"
[ -x bin/Release/net10.0/stockade-launcher ] || fail "the build output has no executable stockade-launcher"

step "dotnet publish (framework-dependent) and run it"
dotnet publish -c Release -o "$work/publish-fd" -nologo -v:q
check "$("$work/publish-fd/SmokeApp" "$work/home/fd" "${plugins[@]}")" "framework-dependent publish"

step "dotnet publish -r linux-x64 --self-contained and run it with no shared runtime visible"
dotnet publish -c Release -r linux-x64 --self-contained -o "$work/publish-sc" -nologo -v:q
[ -f "$work/publish-sc/worker/libhostfxr.so" ] || fail "the self-contained publish has no runtime for its worker"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
out=$(unshare -m sh -c "mount -t tmpfs none '$dotnet_root' && exec env -u DOTNET_ROOT PATH=/usr/bin:/bin '$work/publish-sc/SmokeApp' '$work/home/sc' '${plugins[0]}' '${plugins[1]}'") \
  || fail "the self-contained app failed with $dotnet_root hidden"
check "$out" "self-contained publish ($dotnet_root hidden)"
unshare -m sh -c "mount -t tmpfs none '$dotnet_root' && ! command -v dotnet >/dev/null && ! ls '$dotnet_root/dotnet' 2>/dev/null" \
  || fail "the shared runtime was not hidden"

step "the stockade tool: dotnet tool install, doctor, run"
(cd "$work" && dotnet tool install Stockade.Cli --version "$version" --tool-path "$work/tools" --configfile "$work/nuget.config")
"$work/tools/stockade" doctor || fail "stockade doctor from the installed tool"
out=$("$work/tools/stockade" run "$work/plugins/hello-python" greet --input '{"name":"tool"}' --home "$work/home/tool") \
  || fail "stockade run from the installed tool"
echo "$out"
grep -q "Hello, tool" <<<"$out" || fail "stockade run: the plugin did not answer"

step "sizes"
for d in "$work/publish-fd" "$work/publish-sc" "$work/publish-sc/worker"; do du -sh "$d" | sed 's/^/  /'; done
ls -l "$work/feed" | awk 'NR > 1 {printf "  %-52s %8d KiB\n", $9, $5 / 1024}'
echo
echo "pack-smoke: passed in $(( $(date +%s) - t0 )) s"
