using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting;

namespace Stockade.Cli.Commands;

/// <summary>
/// <c>stockade demo</c>: the guided tour on a throwaway home. Every step is a real command, run
/// in-process exactly as a person would type it, against the bundled samples.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the throwaway home afterwards (its path is printed)." };
        var scene = new Option<string?>("--scene") { Description = "Play one scene only: watchdog (a memory hog and a CPU spinner warned, throttled and killed while a well-behaved plugin keeps serving)." };
        scene.AcceptOnlyFromAmong("watchdog");
        var command = new Command("demo", "The guided tour: validate, install, run, confine, revoke, audit — on a throwaway home.") { keep, scene };
        CliApplication.SetHandler(command, console, async (parse, ct) =>
        {
            var samples = FindSamples();
            var home = Path.Combine(Path.GetTempPath(), $"stockade-demo-{Environment.ProcessId}");
            Directory.CreateDirectory(home);
            var tour = new Tour(console, home, samples);
            try
            {
                return parse.GetValue(scene) is null ? await tour.RunAsync(ct) : await tour.RunWatchdogSceneAsync(ct);
            }
            finally
            {
                if (parse.GetValue(keep))
                {
                    console.Output.MarkupLine($"[grey]kept the demo home: {TerminalText.Markup(home)}[/]");
                }
                else
                {
                    Directory.Delete(home, recursive: true);
                }
            }
        });
        return command;
    }

    private static string FindSamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "plugins");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(dir.FullName, "samples");
            }
        }

        throw new CliException(ExitCodes.UsageOrNotFound, "the demo needs the repository's samples/ folder and could not find it above " + AppContext.BaseDirectory,
            "run it from a clone of the repository: ./scripts/demo.sh");
    }

    private sealed class Tour(CliConsole console, string home, string samples)
    {
        private int _step;

        public async Task<int> RunAsync(CancellationToken ct)
        {
            var hello = Path.Combine(samples, "plugins", "hello-csharp");
            var notes = Path.Combine(samples, "plugins", "notes-csharp");
            var hostile = Path.Combine(samples, "plugins", "hostile-csharp");
            var python = Path.Combine(samples, "plugins", "hello-python");
            var broken = Path.Combine(samples, "manifests-broken", "unknown-key");
            console.Output.Write(new Rule("[bold]Stockade — the guided tour[/]").LeftJustified());
            console.Output.MarkupLine($"A throwaway home: [grey]{TerminalText.Markup(home)}[/]. Every step below is a real command.\n");

            Step("What can this machine enforce?");
            await Cli(ct, "doctor");

            Step("Validate plugins before any of their code runs");
            await Cli(ct, "validate", hello);
            await Cli(ct, "validate", broken);

            Step("Install a plugin; its permissions are decided by a person (here: by flags)");
            await Cli(ct, "install", hello, "--grant", "all", "--yes");
            await Cli(ct, "install", notes, "--grant", "all", "--yes");

            Step("Call plugins; each runs in its own worker confined by Landlock and seccomp");
            await Cli(ct, "run", "samples.hello", "greet", "--input", """{"name":"Ada"}""");
            await Cli(ct, "run", python, "greet", "--input", """{"name":"Grace"}""");
            var notesDir = Path.Combine(home, "config", "notes");
            Directory.CreateDirectory(notesDir);
            await File.WriteAllTextAsync(Path.Combine(notesDir, "welcome.txt"), "Plugins only see what you granted.", ct);
            await Cli(ct, "run", "samples.notes", "read", "--input", """{"name":"welcome.txt"}""");

            Step("A plugin that hangs is killed at its timeout (3 s); the host carries on");
            await Cli(ct, "run", "samples.hello", "hang");
            Step("A plugin that crashes does not harm the host");
            await Cli(ct, "run", "samples.hello", "crash");
            await Cli(ct, "run", "samples.hello", "greet", "--input", """{"name":"again"}""");

            await WatchdogSceneAsync(ct);

            Step("A hostile plugin tries to escape; the kernel stops every attempt");
            await HostileAsync(hostile, ct);

            await BeforeCodeRunsAsync(python, ct);

            Step("Revoke a permission: the next run is refused, with the command that would allow it");
            await Cli(ct, "revoke", "samples.notes", "file:read=$CONFIG/notes/**");
            await Cli(ct, "run", "samples.notes", "read", "--input", """{"name":"welcome.txt"}""");

            Step("The audit trail, hash-chained, and its verification");
            await Cli(ct, "audit", "--limit", "15");
            await Cli(ct, "audit", "verify");

            console.Output.Write(new Rule("[green]tour complete[/]").LeftJustified());
            console.Output.MarkupLine("Next: [bold]stockade --help[/], README.md, docs/architecture.md.");
            return ExitCodes.Success;
        }

        /// <summary><c>stockade demo --scene watchdog</c>: the benign plugin is installed first, as in the tour.</summary>
        public async Task<int> RunWatchdogSceneAsync(CancellationToken ct)
        {
            await Cli(ct, "install", Path.Combine(samples, "plugins", "hello-csharp"), "--grant", "all", "--yes");
            await WatchdogSceneAsync(ct);
            return ExitCodes.Success;
        }

        private async Task WatchdogSceneAsync(CancellationToken ct)
        {
            Step("Resource abuse: a memory hog and a CPU spinner are warned, throttled and killed; a well-behaved plugin keeps serving");
            await new DemoWatchdogScene(console, home, samples, "samples.hello").RunAsync(ct);
        }

        /// <summary>What is caught before any plugin code runs: undeclared use, tampering, conflicts.</summary>
        private async Task BeforeCodeRunsAsync(string python, CancellationToken ct)
        {
            var work = Path.Combine(home, "demo-plugins");
            Step("Static analysis: a plugin whose code uses the network without declaring it");
            var sneaky = CopyPlugin(python, Path.Combine(work, "sneaky"), "samples.sneaky");
            await File.AppendAllTextAsync(Path.Combine(sneaky, "plugin.py"), "\nimport urllib.request  # phones home, undeclared\n", ct);
            await Cli(ct, "validate", sneaky, "--level", "strict");

            Step("Signatures: a signed plugin verifies; one changed byte after signing is refused");
            var signed = CopyPlugin(python, Path.Combine(work, "signed"), "samples.signed");
            var key = Path.Combine(work, "publisher");
            await Cli(ct, "keygen", "--out", key);
            await Cli(ct, "sign", signed, "--key", key + ".key.pem");
            await Cli(ct, "trust", "add", key + ".pub.pem", "--name", "demo publisher");
            await Cli(ct, "validate", signed);
            var script = Path.Combine(signed, "plugin.py");
            await File.WriteAllTextAsync(script, (await File.ReadAllTextAsync(script, ct)).Replace("Hello", "Hellp", StringComparison.Ordinal), ct);
            await Cli(ct, "validate", signed);

            Step("Conflicts: a plugin that declares it cannot live beside an installed one");
            var rival = CopyPlugin(python, Path.Combine(work, "rival"), "samples.rival", "conflicts: [samples.hello]\n");
            await Cli(ct, "install", rival, "--yes");
        }

        private static string CopyPlugin(string source, string target, string id, string extraManifest = "")
        {
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(source))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }

            var manifest = Path.Combine(target, "plugin.yaml");
            var text = File.ReadAllText(manifest).Replace("id: samples.hello-python", $"id: {id}", StringComparison.Ordinal);
            File.WriteAllText(manifest, text.TrimEnd() + "\n" + extraManifest);
            return target;
        }

        private void Step(string title)
        {
            _step++;
            console.Output.WriteLine();
            console.Output.Write(new Rule($"[yellow]{_step}. {TerminalText.Markup(title)}[/]").LeftJustified());
        }

        private async Task<int> Cli(CancellationToken ct, params string[] args)
        {
            console.Output.MarkupLine($"[blue]$ stockade {TerminalText.Markup(string.Join(' ', args.Select(Quote)))}[/]");
            var code = await CliApplication.RunAsync([.. args, "--home", home], console, ct);
            console.Output.MarkupLine($"[grey]exit code {code}{Meaning(code)}[/]");
            return code;
        }

        private async Task HostileAsync(string hostile, CancellationToken ct)
        {
            var secret = Path.Combine(home, "secret.txt");
            await File.WriteAllTextAsync(secret, "the host's secret", ct);
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var attempts = new (string Method, string Input, string What)[]
            {
                ("readSecret", JsonSerializer.Serialize(new { path = secret }), $"read {secret}"),
                ("writeOutside", JsonSerializer.Serialize(new { path = Path.Combine(home, "planted.txt") }), "write outside its folders"),
                ("listDir", """{"path":"/root"}""", "list /root"),
                ("connectTcp", JsonSerializer.Serialize(new { host = "127.0.0.1", port }), $"TCP connect to 127.0.0.1:{port}"),
                ("execShell", "{}", "start /bin/sh"),
                ("signalParent", "{}", "send SIGTERM to the host"),
                ("unshareUser", "{}", "create a user namespace"),
                ("ptraceParent", "{}", "ptrace the host"),
                ("fromThreads", JsonSerializer.Serialize(new { path = secret }), "read the secret from 5 kinds of threads"),
            };
            console.Output.MarkupLine($"[blue]$ stockade run {TerminalText.Markup(hostile)} <attempt>[/]  (level sandboxed)");
            await using var host = new PluginHost(new PluginHostOptions { Home = home });
            var plugin = await host.LoadAsync(hostile, cancellationToken: ct);
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("attempt");
            table.AddColumn("result");
            table.AddColumn("what stopped it");
            foreach (var (method, input, what) in attempts)
            {
                string result;
                string layer;
                try
                {
                    using var doc = JsonDocument.Parse(input);
                    var report = await host.InvokeAsync(plugin.Id, method, doc.RootElement.Clone(), ct);
                    (result, layer) = Describe(report);
                }
                catch (PluginException ex)
                {
                    (result, layer) = ($"[red]refused[/]: {TerminalText.Markup(ex.Message)}", ex is PluginPermissionDeniedException d ? d.Layer : "host");
                }

                table.AddRow(TerminalText.Markup(what), result, TerminalText.Markup(layer));
            }

            var accepted = listener.Pending();
            console.Output.Write(table);
            console.Output.MarkupLine(accepted
                ? "[red]the test listener saw a connection![/]"
                : "[green]the loopback listener saw no connection; the host is still running.[/]");
        }

        private static (string Result, string Layer) Describe(JsonElement report)
        {
            if (report.ValueKind == JsonValueKind.Array)
            {
                var all = report.EnumerateArray().ToArray();
                var escaped = all.Count(r => r.TryGetProperty("succeeded", out var x) && x.ValueKind == JsonValueKind.True);
                return escaped == 0
                    ? ($"[green]blocked on all {all.Length} threads[/]", "Landlock (applied before the runtime started)")
                    : ($"[red]escaped on {escaped} of {all.Length}[/]", "-");
            }

            var succeeded = report.TryGetProperty("succeeded", out var s) && s.ValueKind == JsonValueKind.True;
            var error = report.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : "";
            if (succeeded)
            {
                return ("[red]SUCCEEDED[/]", "-");
            }

            var layer = error switch
            {
                _ when error.Contains("Operation not permitted", StringComparison.OrdinalIgnoreCase) || error.Contains("errno 1)", StringComparison.Ordinal) => "seccomp (EPERM)",
                _ when error.Contains("Access", StringComparison.OrdinalIgnoreCase) || error.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) => "Landlock / seccomp (EACCES)",
                _ => "kernel",
            };
            return ($"[green]blocked[/]: {TerminalText.Markup(error, 70)}", layer);
        }

        private static string Quote(string arg) => arg.Contains(' ', StringComparison.Ordinal) || arg.Contains('{', StringComparison.Ordinal) || arg.Contains('$', StringComparison.Ordinal) ? $"'{arg}'" : arg;

        private static string Meaning(int code) => code switch
        {
            ExitCodes.Success => "",
            ExitCodes.PluginRefused => " (plugin refused)",
            ExitCodes.PermissionDenied => " (permission denied)",
            ExitCodes.Timeout => " (timeout)",
            ExitCodes.PluginFailed => " (plugin failed; the host is fine)",
            ExitCodes.IntegrityFailure => " (integrity failure)",
            _ => "",
        };
    }
}
