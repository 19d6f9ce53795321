using System.CommandLine;
using Spectre.Console;
using Stockade.Analysis.Signing;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade keygen</c>, <c>stockade sign</c> and <c>stockade trust add|list|remove</c>.</summary>
internal static class SigningCommands
{
    public static Command Keygen(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = "Path prefix: writes PREFIX.key.pem (0600) and PREFIX.pub.pem.", Required = true };
        var command = new Command("keygen", "Create an ECDSA P-256 signing key pair.") { output };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var prefix = parse.GetValue(output)!;
            GeneratedKey key;
            try
            {
                key = PackageSigner.GenerateKey(prefix);
            }
            catch (IOException ex)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, ex.Message, "choose another --out prefix; keys are never overwritten.");
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, ex.Message, "choose a folder you can write.");
            }

            console.Output.MarkupLine($"key [bold]{key.KeyId}[/]\n  private: {TerminalText.Markup(key.PrivateKeyPath)} (keep it secret)\n  public:  {TerminalText.Markup(key.PublicKeyPath)} (give it to 'stockade trust add')");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    public static Command Sign(CliConsole console)
    {
        var dir = new Argument<DirectoryInfo>("plugin-dir") { Description = "The plugin folder to sign (writes stockade.sig)." };
        var key = new Option<FileInfo>("--key") { Description = "The private key (PEM) from 'stockade keygen'.", Required = true };
        var command = new Command("sign", "Sign every file of a plugin folder (ECDSA P-256 over their SHA-256 list).") { dir, key };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var folder = parse.GetValue(dir)!;
            var keyFile = parse.GetValue(key)!;
            if (!folder.Exists)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"no folder at {folder.FullName}");
            }

            if (!keyFile.Exists)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"no key at {keyFile.FullName}", "create one with: stockade keygen --out mykey");
            }

            var result = PackageSigner.Sign(folder.FullName, File.ReadAllText(keyFile.FullName));
            if (!result.Succeeded)
            {
                throw new CliException(result.FolderRefused ? ExitCodes.PluginRefused : ExitCodes.UsageOrNotFound, $"cannot sign {folder.FullName}: {result.Problem}");
            }

            console.Output.MarkupLine($"[green]signed[/] {result.FileCount} files with key [bold]{result.KeyId}[/] → {TerminalText.Markup(Path.Combine(folder.FullName, "stockade.sig"))}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    public static Command Trust(CliConsole console)
    {
        var command = new Command("trust", "Manage the keys whose signatures this home trusts.");
        var pub = new Argument<FileInfo>("public-key") { Description = "A public key (PEM) from 'stockade keygen'." };
        var name = new Option<string?>("--name") { Description = "A name to remember the key by." };
        var add = new Command("add", "Trust a public key.") { pub, name };
        CliApplication.SetHandler(add, console, async (parse, _) =>
        {
            var file = parse.GetValue(pub)!;
            if (!file.Exists)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"no key at {file.FullName}");
            }

            var pem = File.ReadAllText(file.FullName);
            if (!PackageSigner.TryComputeKeyId(pem, out var _) || pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"{file.FullName} is not a public key in PEM form", "give the .pub.pem file written by 'stockade keygen', never the private key.");
            }

            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            TrustedKey trusted;
            try
            {
                trusted = new PluginInstaller(host).TrustKey(pem, parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(file.Name), Environment.UserName);
            }
            catch (AuditWriteException ex)
            {
                return PluginCommands.AuditRefused(console, host, "trusted", ex);
            }

            console.Output.MarkupLine($"[green]trusted[/] key {trusted.KeyId}");
            return ExitCodes.Success;
        });
        var listJson = GlobalOptions.Json();
        var list = new Command("list", "List trusted keys.") { listJson };
        CliApplication.SetHandler(list, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            var keys = new PluginInstaller(host).ListTrustedKeys();
            if (parse.GetValue(listJson))
            {
                JsonOutput.Write(console.RawOutput, keys.Select(k => new { k.KeyId, k.Name, k.AddedAt }).ToArray());
                return ExitCodes.Success;
            }

            if (keys.Count == 0)
            {
                console.Output.MarkupLine("[grey]no trusted keys[/] — add one with: stockade trust add KEY.pub.pem");
            }

            foreach (var k in keys)
            {
                console.Output.MarkupLine($"{k.KeyId}  {TerminalText.Markup(k.Name)}  added {k.AddedAt:yyyy-MM-dd}");
            }

            return ExitCodes.Success;
        });
        var keyIdArg = new Argument<string>("key-id") { Description = "The key id shown by 'stockade trust list'." };
        var remove = new Command("remove", "Stop trusting a key.") { keyIdArg };
        CliApplication.SetHandler(remove, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            var id = parse.GetValue(keyIdArg)!;
            bool removed;
            try
            {
                removed = new PluginInstaller(host).DistrustKey(id, Environment.UserName);
            }
            catch (AuditWriteException ex)
            {
                return PluginCommands.AuditRefused(console, host, "removed", ex);
            }

            if (!removed)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"no trusted key '{id}'", "see the ids with: stockade trust list");
            }

            console.Output.MarkupLine($"[yellow]removed[/] key {TerminalText.Markup(id)}");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        command.Subcommands.Add(remove);
        return command;
    }
}
