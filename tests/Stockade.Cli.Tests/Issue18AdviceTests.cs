using System.Text;
using System.Text.Json;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 18 item 5, "advice that works", as the plugin author meets it with a real worker: a broker refusal the C#
/// plugin does not catch is exit 3 (not 6, "the plugin's own code"); a folder run's advice is the same <c>run</c>
/// with <c>--grant</c> (a <c>stockade grant</c> would answer "not installed"); <c>run --grant all</c> works as at
/// install; the advice names the pattern the manifest declares, not the one path refused. Every advice line is then
/// pasted back into the CLI, as a person would, and must work.
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18AdviceTests : IDisposable
{
    private const int PermissionDenied = 3;
    private readonly TempHome _home = new();
    private readonly string _plugin = CliRunner.Sample("plugins/issue18-author-csharp");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Run_FolderUncaughtBrokerDenial_ExitsThree_AdvisesTheSameRunWithGrant_WhichWorks()
    {
        await using var server = await LoopbackServer.StartAsync("hello from loopback");
        var input = JsonSerializer.Serialize(new { url = $"http://127.0.0.1:{server.Port}/x" });

        var denied = await CliRunner.RunAsync("run", _plugin, "fetch", "--input", input, "--home", _home.Path);

        denied.ExitCode.ShouldBe(PermissionDenied, denied.Stderr);
        denied.Stderr.ShouldNotContain("plugin's own code");
        denied.Stderr.ShouldNotContain("stockade grant", Case.Sensitive, "a folder run is not installed: 'stockade grant' would fail");
        var advice = AdviceLine(denied.Stderr);
        advice.ShouldStartWith($"stockade run {_plugin} fetch --input ");
        advice.ShouldContain("--grant network:request=127.0.0.1 ", Case.Sensitive, "the pattern the manifest declares, not the one port refused");
        server.Requests.ShouldBe(0);

        var again = await RunAdviceAsync(advice);

        again.ExitCode.ShouldBe(0, again.Stderr);
        JsonSerializer.Deserialize<string>(again.Stdout).ShouldBe("hello from loopback");
        server.Requests.ShouldBe(1);
    }

    [Fact]
    public async Task Run_FolderKernelDenialUnderDeclaredPattern_AdvisesThePatternNotThePath_WhichWorks()
    {
        var notes = Path.Combine(_home.Path, "config", "notes");
        Directory.CreateDirectory(notes);
        await File.WriteAllTextAsync(Path.Combine(notes, "a.txt"), "the note");

        var denied = await CliRunner.RunAsync("run", _plugin, "note", "--input", """{"key":"a.txt"}""", "--home", _home.Path);

        denied.ExitCode.ShouldBe(PermissionDenied, denied.Stderr);
        var advice = AdviceLine(denied.Stderr);
        advice.ShouldContain("--grant 'file:read=$CONFIG/notes/**'", Case.Sensitive, denied.Stderr);
        advice[advice.IndexOf("--grant", StringComparison.Ordinal)..].ShouldNotContain("a.txt", Case.Sensitive, "the one file refused is narrower than what the manifest declares");

        var again = await RunAdviceAsync(advice);

        again.ExitCode.ShouldBe(0, again.Stderr);
        JsonSerializer.Deserialize<string>(again.Stdout).ShouldBe("the note");
    }

    [Fact]
    public async Task Run_FolderKernelDenial_AdvicePastedIntoARealShell_Works()
    {
        var notes = Path.Combine(_home.Path, "config", "notes");
        Directory.CreateDirectory(notes);
        await File.WriteAllTextAsync(Path.Combine(notes, "b.txt"), "pasted");
        var denied = await CliRunner.RunAsync("run", _plugin, "note", "--input", """{"key":"b.txt"}""", "--home", _home.Path);
        denied.ExitCode.ShouldBe(PermissionDenied, denied.Stderr);

        // As a person pastes it: /bin/sh reads the quoting ($CONFIG, **, the JSON), 'stockade' is the real CLI.
        var cli = Path.Combine(AppContext.BaseDirectory, "stockade.dll");
        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"stockade() {{ dotnet '{cli}' \"$@\"; }}; {AdviceLine(denied.Stderr)}");
        using var shell = System.Diagnostics.Process.Start(info)!;
        var stdout = shell.StandardOutput.ReadToEndAsync();
        var stderr = shell.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await shell.WaitForExitAsync(timeout.Token);

        shell.ExitCode.ShouldBe(0, await stderr);
        JsonSerializer.Deserialize<string>(await stdout).ShouldBe("pasted");
    }

    [Fact]
    public async Task Run_FolderGrantAll_AcceptedAsInstallAcceptsIt()
    {
        await using var server = await LoopbackServer.StartAsync("all granted");
        var input = JsonSerializer.Serialize(new { url = $"http://127.0.0.1:{server.Port}/x" });

        var result = await CliRunner.RunAsync("run", _plugin, "fetch", "--input", input, "--grant", "all", "--home", _home.Path);

        result.ExitCode.ShouldBe(0, result.Stderr);
        JsonSerializer.Deserialize<string>(result.Stdout).ShouldBe("all granted");
    }

    [Fact]
    public async Task Run_InstalledUncaughtDenial_AdvisesGrantOnTheSameHome_WhichWorks()
    {
        (await CliRunner.RunAsync("install", _plugin, "--grant", "file:write=$PLUGIN_DATA/**", "--yes", "--home", _home.Path)).ExitCode.ShouldBe(0);

        var denied = await CliRunner.RunAsync("run", "samples.author", "setting", "--input", """{"key":"ui.theme"}""", "--home", _home.Path);

        denied.ExitCode.ShouldBe(PermissionDenied, denied.Stderr);
        var advice = AdviceLine(denied.Stderr);
        advice.ShouldBe($"stockade grant samples.author 'config:read=ui.*' --home {_home.Path}");
        (await RunAdviceAsync(advice)).ExitCode.ShouldBe(0);
        var again = await CliRunner.RunAsync("run", "samples.author", "setting", "--input", """{"key":"ui.theme"}""", "--home", _home.Path);
        again.ExitCode.ShouldBe(0, again.Stderr);
    }

    [Fact]
    public async Task Run_UndeclaredDenial_ExitsThree_SaysToDeclareIt_OffersNoGrantThatWouldBeRefused()
    {
        var denied = await CliRunner.RunAsync("run", _plugin, "fetch", "--input", """{"url":"http://api.example.net/"}""", "--home", _home.Path);

        denied.ExitCode.ShouldBe(PermissionDenied, denied.Stderr);
        denied.Stderr.ShouldNotContain("to allow it:");
        denied.Stderr.ShouldContain("does not declare");
        denied.Stderr.ShouldContain("network:request=api.example.net:80");
    }

    [Fact]
    public async Task Run_Json_UncaughtDenial_PermissionDeniedWithTheWorkingCommand()
    {
        var denied = await CliRunner.RunAsync("run", _plugin, "fetch", "--input", """{"url":"http://127.0.0.1:9/"}""", "--json", "--home", _home.Path);

        denied.ExitCode.ShouldBe(PermissionDenied);
        using var doc = JsonDocument.Parse(denied.Stdout);
        var error = doc.RootElement.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("permission_denied");
        error.GetProperty("permission").GetString().ShouldBe("network:request=127.0.0.1");
        error.GetProperty("grant").GetString()!.ShouldStartWith("stockade run ");
    }

    [Fact]
    public async Task Run_GrantOnAnInstalledId_IsAUsageError_NotSilentlyIgnored()
    {
        var result = await CliRunner.RunAsync("run", "samples.author", "setting", "--grant", "config:read=ui.*", "--home", _home.Path);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("--grant is for plugin folders");
        result.Stderr.ShouldContain("stockade grant samples.author");
    }

    private static string AdviceLine(string stderr)
    {
        const string Prefix = "  to allow it: ";
        var line = stderr.Split('\n').SingleOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        line.ShouldNotBeNull($"no advice line in:\n{stderr}");
        return line[Prefix.Length..].TrimEnd('\r');
    }

    /// <summary>Runs an advice line as a POSIX shell would split it (words, single quotes, <c>'\''</c>).</summary>
    private static Task<CliResult> RunAdviceAsync(string line)
    {
        var words = ShellWords(line);
        words[0].ShouldBe("stockade");
        return CliRunner.RunAsync([.. words.Skip(1)]);
    }

    internal static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                end.ShouldBeGreaterThan(i, $"unterminated quote in: {line}");
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                "$`\"|;&<>()*?".ShouldNotContain(c, $"an unquoted shell character in: {line}");
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>A one-answer HTTP server on loopback that counts the requests that reached it.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly string _body;
        private Task _loop = Task.CompletedTask;
        private int _requests;

        private LoopbackServer(string body) => _body = body;

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public int Requests => Volatile.Read(ref _requests);

        public static Task<LoopbackServer> StartAsync(string body)
        {
            var server = new LoopbackServer(body);
            server._listener.Start();
            server._loop = server.ServeAsync();
            return Task.FromResult(server);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Stopped.
            }

            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var seen = new StringBuilder();
                while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                Interlocked.Increment(ref _requests);
                var body = Encoding.UTF8.GetBytes(_body);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }
    }
}
