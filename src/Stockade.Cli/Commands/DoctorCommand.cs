using System.CommandLine;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Core.Policy;
using Stockade.Hosting;
using Stockade.Linux.Cgroups;
using Stockade.Linux.Features;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade doctor [--json]</c>: what this machine can enforce, and what to do to get more.</summary>
internal static class DoctorCommand
{
    public static Command Create(CliConsole console)
    {
        var json = GlobalOptions.Json();
        var command = new Command("doctor", "Show what this machine's kernel can enforce and the highest security level available.") { json };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var features = KernelFeatures.Probe();
            var cgroups = CgroupBackends.Probe(new CgroupOptions());
            var launcher = Path.Combine(AppContext.BaseDirectory, "stockade-launcher");
            var worker = Path.Combine(AppContext.BaseDirectory, "worker", "Stockade.Worker.dll");
            var highest = GuaranteeReport.HighestLevel(features);
            var checks = new List<DoctorCheck>
            {
                new("landlock", features.LandlockAbi > 0, features.LandlockAbi > 0 ? $"ABI {features.LandlockAbi} (errata {features.LandlockErrata})" : "not available",
                    features.LandlockAbi > 0 ? null : "use a kernel ≥ 5.13 with CONFIG_SECURITY_LANDLOCK=y and 'landlock' in the lsm= boot parameter"),
                new("landlock-all-threads", features.LandlockAbi >= 8, features.LandlockAbi >= 8 ? "LANDLOCK_RESTRICT_SELF_TSYNC available" : "ABI < 8: applied before the runtime starts, by the NativeAOT launcher (re-exec)", null),
                new("seccomp", features.SeccompFilter && features.SeccompTsync, features.SeccompFilter ? (features.SeccompTsync ? "filter mode with TSYNC" : "filter mode without TSYNC") : "not available",
                    features.SeccompFilter ? null : "use a kernel with CONFIG_SECCOMP_FILTER=y"),
                new("no-new-privs", features.NoNewPrivileges, features.NoNewPrivileges ? "available" : "not available", null),
                new("user-namespaces", features.UserNamespacesUsable, features.UserNamespacesUsable ? "usable through unshare(1)" : features.UserNamespacesDetail ?? "not usable",
                    features.UserNamespacesUsable ? null : "enable unprivileged user namespaces (kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0) to get the strict level"),
                new("cgroup", cgroups.Backend.Kind != CgroupBackendKind.None, CgroupDetail(cgroups),
                    cgroups.Backend.Kind != CgroupBackendKind.None ? null
                        : "run the host where it may write its own cgroup: as root (v1 or v2), under systemd with Delegate=yes (v2: `systemd-run --user --scope -p Delegate=yes stockade …`), or in a v1 subtree root made and chowned to the host's user"),
                new("launcher", File.Exists(launcher), File.Exists(launcher) ? launcher : "missing", File.Exists(launcher) ? null : "build the solution: dotnet build"),
                new("worker", File.Exists(worker), File.Exists(worker) ? worker : "missing", File.Exists(worker) ? null : "build the solution: dotnet build"),
            };
            var levels = LevelPresets.All.Select(p => new
            {
                level = p.Name,
                available = p.Level <= highest,
                missing = GuaranteeReport.MissingFor(p.Level, features),
            }).ToArray();

            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.RawOutput, new
                {
                    kernel = features.KernelRelease,
                    landlockAbi = features.LandlockAbi,
                    seccomp = features.SeccompFilter,
                    seccompTsync = features.SeccompTsync,
                    userNamespaces = features.UserNamespacesUsable,
                    runningAsRoot = features.RunningAsRoot,
                    highestLevel = highest.ToName(),
                    cgroup = new
                    {
                        backend = cgroups.Backend.Kind.ToString().ToLowerInvariant(),
                        description = cgroups.Backend.Description,
                        refused = cgroups.Refused,
                        rungs = CgroupRungs(cgroups.Backend.Kind),
                    },
                    checks,
                    levels,
                });
                return Task.FromResult(ExitCodes.Success);
            }

            console.Output.MarkupLine($"[bold]Stockade doctor[/] — kernel {TerminalText.Markup(features.KernelRelease)}{(features.RunningAsRoot ? " (running as root: also test as an unprivileged user)" : "")}");
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("check");
            table.AddColumn("status");
            table.AddColumn("detail");
            foreach (var check in checks)
            {
                table.AddRow(TerminalText.Markup(check.Name), check.Ok ? "[green]ok[/]" : "[yellow]missing[/]", TerminalText.Markup(check.Detail + (check.Fix is null ? "" : $" — {check.Fix}")));
            }

            console.Output.Write(table);
            foreach (var level in levels)
            {
                console.Output.MarkupLine(level.available
                    ? $"  [green]✔[/] {level.level}"
                    : $"  [red]✘[/] {level.level}: {TerminalText.Markup(string.Join("; ", level.missing))}");
            }

            console.Output.MarkupLine($"Resources with the [bold]{cgroups.Backend.Kind.ToString().ToLowerInvariant()}[/] cgroup backend (kernel vs watchdog):");
            foreach (var rung in CgroupRungs(cgroups.Backend.Kind))
            {
                console.Output.MarkupLine("  " + TerminalText.Markup(rung));
            }

            console.Output.MarkupLine($"Highest level this machine can enforce: [bold]{highest.ToName()}[/]");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    // Which rung of each resource the kernel holds with this backend, and which the watchdog.
    private static string[] CgroupRungs(CgroupBackendKind kind) => kind switch
    {
        CgroupBackendKind.V1 =>
        [
            "memory: warn at 80 % (watchdog, from the cgroup's figure); kill at the limit (kernel: memory.limit_in_bytes, OOM killer); no throttle rung on v1",
            "cpu: share held by the CFS quota (kernel); demand above it counted from the cgroup's throttled time: throttle by halving the quota (kernel), kill after the violations (watchdog)",
            "tasks: pids.max = threads + processes (kernel); at the ceiling, or over threads or processes: warn, kill (watchdog)",
            "disk in $PLUGIN_DATA, open files over time, calls: watchdog and broker (no controller holds them)",
        ],
        CgroupBackendKind.V2 =>
        [
            "memory: warn at 80 % (watchdog); throttle at memory.high = 90 % (kernel); kill at memory.max (kernel OOM killer)",
            "cpu: share held by cpu.max (kernel); demand above it: throttle by halving cpu.max (kernel), kill after the violations (watchdog)",
            "tasks: pids.max = threads + processes (kernel); at the ceiling, or over threads or processes: warn, kill (watchdog)",
            "disk in $PLUGIN_DATA, open files over time, calls: watchdog and broker (no controller holds them)",
        ],
        _ =>
        [
            "memory: RLIMIT_DATA + GC heap limit (kernel, private memory only); shared memory: the watchdog's kill within a sampling interval",
            "cpu: the watchdog's warn, throttle (nice 19: does not slow a spinner on an idle core), kill",
            "tasks: the watchdog only",
        ],
    };

    private static string CgroupDetail(CgroupSelection cgroups) =>
        cgroups.Backend.Description + (cgroups.Refused.Count > 0 ? "; not used: " + string.Join("; ", cgroups.Refused) : "");

    private sealed record DoctorCheck(string Name, bool Ok, string Detail, string? Fix);
}
