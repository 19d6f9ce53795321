using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// The <c>stockade</c> CLI run as uid 65534 (setpriv, no root anywhere) on a home that user owns, and the samples it
/// runs: copied readable for every worker uid and, for strict, prepared the way strict demands of any plugin.
/// </summary>
internal static class NobodyCli
{
    public static ProcessResult Run(string home, params string[] arguments)
    {
        string dotnet = Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/dotnet";
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = home,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        return NativeProgram.Run("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", dotnet, RepositoryPaths.CliAssembly, "--home", home, .. arguments],
            environment);
    }

    public static string CopySample(string root, string name)
    {
        string source = RepositoryPaths.Sample(name);
        if (name.EndsWith("-csharp", StringComparison.Ordinal) && !Directory.Exists(Path.Combine(source, "bin")))
        {
            throw new InvalidOperationException($"{source}/bin is missing; build the CLI first (dotnet build src/Stockade.Cli builds the samples)");
        }

        string copy = Path.Combine(root, name);
        RepositoryPaths.CopyReadable(source, copy);
        return copy;
    }

    /// <summary>
    /// Strict runs only signed plugins whose code matches their declarations (issue 15): the copy declares, as
    /// optional and never granted, the uses the analysis finds in the hostile samples (network, subprocess, environment,
    /// file deletion), and is signed with a key the home trusts, all through the CLI as nobody.
    /// </summary>
    public static void PrepareForStrict(string root, string home, string plugin)
    {
        string manifest = Path.Combine(plugin, "plugin.yaml");
        string text = File.ReadAllText(manifest);
        const string Optional = """
            permissions:
              optional:
                - permission: network:request=example.invalid
                  reason: declared so strict's analysis matches; never granted
                - permission: subprocess:execute=/usr/bin/true
                  reason: declared so strict's analysis matches; never granted
                - permission: env:read=STOCKADE_NOTHING
                  reason: declared so strict's analysis matches; never granted
                - permission: file:delete=$PLUGIN_DATA/**
                  reason: declared so strict's analysis matches; never granted
            """;
        int at = text.IndexOf("\npermissions:\n", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"{manifest} has no 'permissions:' block");
        }

        File.WriteAllText(manifest, text[..(at + 1)] + Optional + "\n" + text[(at + "\npermissions:\n".Length)..]);
        foreach (string entry in Directory.EnumerateFileSystemEntries(plugin, "*", SearchOption.AllDirectories).Append(plugin))
        {
            Interop.Check(Interop.lchown(entry, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown plugin copy"); // sign writes stockade.sig
        }

        string keys = Path.Combine(root, "keys");
        Directory.CreateDirectory(keys);
        Interop.Check(Interop.lchown(keys, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown keys");
        foreach (string[] step in new[]
        {
            new[] { "keygen", "--out", Path.Combine(keys, "signer") },
            new[] { "sign", plugin, "--key", Path.Combine(keys, "signer.key.pem") },
            new[] { "trust", "add", Path.Combine(keys, "signer.pub.pem") },
        })
        {
            ProcessResult prepared = Run(home, step);
            prepared.ExitCode.ShouldBe(0, $"{string.Join(' ', step)}: {prepared.StandardError}");
        }
    }
}
