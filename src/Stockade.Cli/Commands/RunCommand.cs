using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade run &lt;id|plugin-dir&gt; [method] [--input JSON] [--level L] [--stats] [--json]</c>.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("plugin") { Description = "An installed plugin id, or a plugin folder (development run)." };
        var method = new Argument<string?>("method") { Description = "The method to call (default: none; only start and stop the plugin).", Arity = ArgumentArity.ZeroOrOne };
        var input = new Option<string?>("--input") { Description = "The method's input as JSON, e.g. '{\"name\":\"Ada\"}'." };
        var level = new Option<string?>("--level") { Description = Stockade.Core.Policy.SecurityLevelNames.List(" | ") + " (default: sandboxed)." };
        var downgrade = new Option<bool>("--allow-downgrade") { Description = "Run at the best level this machine can enforce instead of refusing (audited)." };
        var grants = new Option<string[]>("--grant") { Description = "For a plugin folder: grant a declared permission for this run only (repeatable); 'all' grants every permission it declares.", AllowMultipleArgumentsPerToken = false };
        var stats = new Option<bool>("--stats") { Description = "Print the worker's resource usage to stderr at every watchdog sample while the call runs, and after it." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Do not print the plugin's log lines and console output (shown on stderr by default, each with its level)." };
        var json = GlobalOptions.Json();
        var command = new Command("run", "Start a plugin in its confined worker and call one of its methods.") { target, method, input, level, downgrade, grants, stats, quiet, json };
        CliApplication.SetHandler(command, console, async (parse, ct) =>
        {
            JsonElement? inputJson = null;
            var inputText = parse.GetValue(input);
            if (inputText is not null)
            {
                try
                {
                    using var doc = JsonDocument.Parse(inputText);
                    inputJson = doc.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    throw new CliException(ExitCodes.UsageOrNotFound, $"--input is not valid JSON: {ex.Message}", "quote the JSON for the shell, e.g. --input '{\"name\":\"Ada\"}'.");
                }
            }

            var asJson = parse.GetValue(json);
            var targetText = parse.GetValue(target)!;
            var grantTexts = parse.GetValue(grants) ?? [];
            var run = new RunInvocation(targetText, Directory.Exists(targetText), parse.GetValue(method), inputText, parse.GetValue(level), parse.GetValue(downgrade),
                grantTexts, parse.GetValue(GlobalOptions.Home)?.FullName);
            if (!run.IsFolder && grantTexts.Length > 0)
            {
                // An installed plugin runs with the grants in the store; a --grant would be silently ignored.
                throw new CliException(ExitCodes.UsageOrNotFound, $"--grant is for plugin folders; '{targetText}' is not a folder, so it runs with the grants it was installed with",
                    $"grant an installed plugin with: {run.GrantCommand(grantTexts[0])} (or run its folder with --grant).");
            }

            var options = new PluginLoadOptions { Level = parse.GetValue(level), AllowDowngrade = parse.GetValue(downgrade), Grants = grantTexts };
            // The plugin's own lines (logs with their level, console output) go to stderr as they come, unless --quiet.
            using var pluginOutput = parse.GetValue(quiet) ? null : new PluginOutputLog(console.Error, console.Status);
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console, parse.GetValue(downgrade), pluginOutput);
            var methodName = parse.GetValue(method);
            var showStats = parse.GetValue(stats);
            var watch = Stopwatch.StartNew();
            LoadedPlugin? loaded = null;
            try
            {
                LoadedPlugin plugin;
                using (console.Status.Begin($"starting {targetText} in its confined worker"))
                {
                    plugin = loaded = await host.LoadAsync(targetText, options, ct);
                }

                JsonElement? result = null;
                if (methodName is not null)
                {
                    using var callDone = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var streaming = showStats ? StreamUsageAsync(console, host, plugin.Id, callDone.Token) : Task.CompletedTask;
                    using var calling = console.Status.Begin($"{plugin.Id}: calling {methodName}");
                    try
                    {
                        result = await host.InvokeAsync(plugin.Id, methodName, inputJson, ct);
                    }
                    finally
                    {
                        await callDone.CancelAsync();
                        await streaming;
                        calling.Dispose();
                    }
                }

                var usage = host.GetUsage(plugin.Id);
                if (asJson)
                {
                    JsonOutput.Write(console.RawOutput, new
                    {
                        ok = true,
                        plugin = plugin.Id,
                        method = methodName,
                        level = plugin.EffectiveLevel.ToString().ToLowerInvariant(),
                        result,
                        elapsedMs = watch.ElapsedMilliseconds,
                        usage = showStats ? usage : null,
                    });
                }
                else
                {
                    if (plugin.EffectiveLevel != plugin.RequestedLevel)
                    {
                        console.Error.WriteLine($"stockade: warning: '{TerminalText.Line(plugin.Id)}' runs at '{plugin.EffectiveLevel.ToString().ToLowerInvariant()}', not '{plugin.RequestedLevel.ToString().ToLowerInvariant()}' (downgrade allowed and audited)");
                    }

                    if (result is { } r)
                    {
                        console.RawOutput.WriteLine(JsonOutput.Serialize(r));
                    }
                    else
                    {
                        console.Output.MarkupLine($"[green]started[/] {TerminalText.Markup(plugin.Id)} at level [bold]{plugin.EffectiveLevel.ToString().ToLowerInvariant()}[/]; exports: {TerminalText.Markup(string.Join(", ", plugin.Methods))}");
                    }

                    if (showStats)
                    {
                        // stderr, like the lines printed while the call ran: stdout stays the result alone.
                        console.Error.WriteLine(usage is null
                            ? $"usage of {TerminalText.Line(plugin.Id)}: not sampled yet (the watchdog samples every second; the worker ran for less)"
                            : $"usage of {TerminalText.Line(plugin.Id)} after the call: {UsageRenderer.Line(usage, total: true)}");
                    }
                }

                return ExitCodes.Success;
            }
            catch (PluginException ex)
            {
                var advice = ex is PluginPermissionDeniedException denied
                    ? DenialAdvice.For(denied, run, loaded?.Manifest ?? ManifestOf(host, run), loaded is null ? null : new SandboxPolicyView(loaded.Policy))
                    : null;
                if (asJson)
                {
                    JsonOutput.Write(console.RawOutput, new
                    {
                        ok = false,
                        plugin = ex.PluginId,
                        method = methodName,
                        error = new
                        {
                            code = PluginErrorMapping.ErrorCode(ex),
                            message = ex.Message,
                            next = ex.NextStep,
                            permission = advice?.Permission,
                            grant = advice?.Command,
                            resource = (ex as PluginKilledException)?.Resource,
                            limit = (ex as PluginKilledException)?.Limit,
                            observed = (ex as PluginKilledException)?.Observed,
                        },
                    });
                }

                PluginErrorMapping.WriteHuman(console, ex, advice);
                return PluginErrorMapping.ExitCode(ex);
            }
        });
        return command;
    }

    // The manifest of a plugin refused before it was loaded (during its initialisation): its folder's, or the installed copy's.
    private static Core.Manifest.PluginManifest? ManifestOf(PluginHost host, RunInvocation run)
    {
        var directory = run.IsFolder
            ? run.Target
            : new Hosting.Installation.PluginInstaller(host).ListInstalled().FirstOrDefault(p => p.Id == run.Target) is { } installed
                ? host.Home.InstallDirectory(installed.Id, installed.Version)
                : null;
        return directory is null ? null : Core.Manifest.ManifestReader.ReadDirectory(directory).Manifest;
    }

    /// <summary>Prints each new watchdog sample of the plugin to stderr until <paramref name="ct"/> is cancelled (the call ended).</summary>
    private static async Task StreamUsageAsync(CliConsole console, PluginHost host, string pluginId, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var seen = host.GetUsage(pluginId)?.SampledAt;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await poll.WaitForNextTickAsync(ct))
            {
                if (host.GetUsage(pluginId) is { } usage && usage.SampledAt != seen)
                {
                    seen = usage.SampledAt;
                    console.Status.WriteLine(console.Error, $"usage of {TerminalText.Line(pluginId)} while running (+{started.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s): {UsageRenderer.Line(usage, total: false)}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The call ended.
        }
    }
}
