using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Stockade.Cli.Tests;

/// <summary>
/// Runs the real <c>stockade</c> under a pseudo-terminal (Python's <c>pty</c>, from the system Python), as a person at
/// a terminal would: it waits for each prompt in turn and types the answer. Returns everything the terminal showed
/// (escape sequences removed) and the exit code.
/// </summary>
internal static partial class Issue18Terminal
{
    private const string Driver = """
        import fcntl, json, os, pty, re, select, struct, sys, termios, time
        script = json.loads(sys.argv[1])
        cmd = sys.argv[2:]
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(cmd[0], cmd)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 50, 160, 0, 0))  # a wide terminal: no wrapped lines
        out = b''
        step = 0
        seen_to = 0
        deadline = time.time() + float(os.environ.get('PTY_TIMEOUT', '180'))
        status = None
        def plain(b):
            return re.sub(r'\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]', '', b.decode('utf-8', 'replace'))
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b''
                if not data:
                    break
                out += data
            if step < len(script):
                text = plain(out)
                m = re.search(script[step][0], text[seen_to:], re.S)
                if m:
                    seen_to += m.end()
                    time.sleep(0.2)
                    os.write(fd, script[step][1].encode())
                    step += 1
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                # drain what is left
                while True:
                    r, _, _ = select.select([fd], [], [], 0.2)
                    if not r:
                        break
                    try:
                        data = os.read(fd, 65536)
                    except OSError:
                        break
                    if not data:
                        break
                    out += data
                break
        if status is None:
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status) if status is not None else -1
        sys.stdout.write(plain(out))
        sys.stdout.write('\n@@EXIT %d @@ANSWERED %d\n' % (code, step))
        """;

    /// <summary>Runs <c>stockade ARGS</c> on a terminal, answering each prompt (a regex) with its text, in order.</summary>
    public static Task<TerminalResult> RunAsync(IReadOnlyList<(string Prompt, string Answer)> script, params string[] args) =>
        RunAsync(script, ci: false, args);

    /// <summary>As <see cref="RunAsync(IReadOnlyList{ValueTuple{string, string}}, string[])"/>; <paramref name="ci"/> sets CI=true, as a CI job's terminal would.</summary>
    public static async Task<TerminalResult> RunAsync(IReadOnlyList<(string Prompt, string Answer)> script, bool ci, params string[] args)
    {
        var driver = Path.Combine(Path.GetTempPath(), $"stockade-pty-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(driver, Driver);
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(driver);
            info.ArgumentList.Add(JsonSerializer.Serialize(script.Select(s => new[] { s.Prompt, s.Answer })));
            info.ArgumentList.Add("dotnet");
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stockade.dll"));
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment.Remove("CI"); // a person at a terminal, not a CI job (unless asked)
            if (ci)
            {
                info.Environment["CI"] = "true";
            }

            info.Environment["TERM"] = "xterm-256color";
            info.Environment["COLUMNS"] = "160";
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var text = await stdout;
            var match = ExitLine().Match(text);
            match.Success.ShouldBeTrue($"the pty driver failed: {await stderr}\n{text}");
            return new TerminalResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), text[..match.Index]);
        }
        finally
        {
            File.Delete(driver);
        }
    }

    [GeneratedRegex(@"@@EXIT (-?\d+) @@ANSWERED (\d+)")]
    private static partial Regex ExitLine();
}

/// <summary>What the terminal showed, and how it ended.</summary>
internal sealed record TerminalResult(int ExitCode, int Answered, string Screen);
