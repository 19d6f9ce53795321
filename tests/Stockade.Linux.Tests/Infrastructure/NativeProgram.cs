using System.Diagnostics;

namespace Stockade.Linux.Tests.Infrastructure;

/// <summary>Compiles C sources with gcc and runs programs, capturing output.</summary>
internal static class NativeProgram
{
    internal static string Compile(string source, string outputPath)
    {
        string sourcePath = outputPath + ".c";
        File.WriteAllText(sourcePath, source);
        ProcessResult result = Run("/usr/bin/gcc", ["-O1", "-Wall", "-o", outputPath, sourcePath]);
        result.ExitCode.ShouldBe(0, $"gcc failed: {result.StandardError}");
        File.SetUnixFileMode(outputPath, (UnixFileMode)0b111_101_101);
        return outputPath;
    }

    internal static ProcessResult Run(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        byte[]? standardInput = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            start.Environment.Clear();
            foreach ((string key, string value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            try
            {
                process.StandardInput.BaseStream.Write(standardInput);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The child exited before reading everything; its exit code and stderr tell why.
            }
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not exit within 60 s");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Parses <c>key=value</c> lines.</summary>
    internal Dictionary<string, string> Values() =>
        StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
}
