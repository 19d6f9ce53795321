using System.CommandLine;
using System.Text.RegularExpressions;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade init &lt;dir&gt; [--id ID] [--lang csharp|python]</c>: a new plugin that builds and validates as is.</summary>
internal static partial class InitCommand
{
    public static Command Create(CliConsole console)
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Folder to create (must not exist or be empty)." };
        var id = new Option<string?>("--id") { Description = "Plugin id (lowercase, dots or dashes), default: from the folder name." };
        var lang = new Option<string>("--lang") { Description = "csharp (a .NET plugin) or python (an executable plugin).", DefaultValueFactory = _ => "csharp" };
        lang.AcceptOnlyFromAmong("csharp", "python");
        var command = new Command("init", "Create a new plugin folder with a manifest and a minimal implementation.") { dir, id, lang };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var folder = parse.GetValue(dir)!;
            if (folder.Exists && folder.EnumerateFileSystemInfos().Any())
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"{folder.FullName} is not empty", "choose a new folder name.");
            }

            var pluginId = parse.GetValue(id) ?? folder.Name.ToLowerInvariant().Replace('_', '-').Replace(' ', '-');
            if (!IdPattern().IsMatch(pluginId))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"'{pluginId}' is not a valid plugin id", "use lowercase letters, digits, dots and dashes, e.g. --id acme.photo-tools");
            }

            folder.Create();
            var name = folder.Name;
            if (parse.GetValue(lang) == "python")
            {
                WritePython(folder.FullName, pluginId, name);
            }
            else
            {
                WriteCSharp(folder.FullName, pluginId, name);
            }

            console.Output.MarkupLine($"[green]created[/] {TerminalText.Markup(folder.FullName)} ({parse.GetValue(lang)}, id [bold]{TerminalText.Markup(pluginId)}[/])");
            console.Output.MarkupLine(parse.GetValue(lang) == "python"
                ? $"next: stockade validate {TerminalText.Markup(folder.FullName)} && stockade run {TerminalText.Markup(folder.FullName)} hello --input '{{\"name\":\"you\"}}'"
                : $"next: dotnet build {TerminalText.Markup(folder.FullName)} -p:StockadeSdk=<path to Stockade.Plugin.dll> && stockade validate {TerminalText.Markup(folder.FullName)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,63}$")]
    private static partial Regex IdPattern();

    private static void WriteCSharp(string dir, string id, string name)
    {
        var type = new string([.. name.Where(char.IsLetterOrDigit)]);
        type = type.Length == 0 || char.IsDigit(type[0]) ? "MyPlugin" : char.ToUpperInvariant(type[0]) + type[1..];
        var sdk = Path.Combine(AppContext.BaseDirectory, "worker", "Stockade.Plugin.dll");
        File.WriteAllText(Path.Combine(dir, "plugin.yaml"), $"""
            id: {id}
            name: {name}
            version: 0.1.0
            description: Says hello.
            runtime: dotnet
            entry: bin/{type}.dll
            entryType: {type}.{type}Plugin
            timeouts: {"{"} init: 30s, call: 10s, hook: 5s {"}"}
            permissions:
              required: []
              optional: []
            resources: {"{"} memoryMb: 256 {"}"}

            """);
        File.WriteAllText(Path.Combine(dir, $"{type}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <OutDir>$(MSBuildProjectDirectory)/bin/</OutDir>
                <StockadeSdk Condition="'$(StockadeSdk)' == ''">{sdk}</StockadeSdk>
              </PropertyGroup>
              <ItemGroup>
                <!-- The worker provides Stockade.Plugin at run time: never copy it. -->
                <Reference Include="Stockade.Plugin" HintPath="$(StockadeSdk)" Private="false" />
              </ItemGroup>
            </Project>

            """);
        File.WriteAllText(Path.Combine(dir, $"{type}Plugin.cs"), $$"""
            using Stockade.Plugin;

            namespace {{type}};

            public sealed class {{type}}Plugin : IPlugin
            {
                public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

                [PluginMethod("hello")]
                public HelloResult Hello(HelloInput input) => new($"Hello, {input.Name}!");
            }

            public sealed record HelloInput(string Name);

            public sealed record HelloResult(string Message);

            """);
    }

    private static void WritePython(string dir, string id, string name)
    {
        File.WriteAllText(Path.Combine(dir, "plugin.yaml"), $"""
            id: {id}
            name: {name}
            version: 0.1.0
            description: Says hello, from Python.
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {"{"} init: 30s, call: 10s, hook: 5s {"}"}
            permissions:
              required: []
              optional: []

            """);
        File.WriteAllText(Path.Combine(dir, "plugin.py"), """
            #!/usr/bin/env python3
            # A Stockade plugin: JSON-RPC 2.0 on stdin/stdout, each message a 4-byte big-endian length + UTF-8 JSON.
            import json, struct, sys

            def read():
                head = sys.stdin.buffer.read(4)
                if len(head) < 4:
                    return None
                (n,) = struct.unpack(">I", head)
                return json.loads(sys.stdin.buffer.read(n))

            def write(msg):
                data = json.dumps(msg).encode()
                sys.stdout.buffer.write(struct.pack(">I", len(data)) + data)
                sys.stdout.buffer.flush()

            def hello(args):
                return {"message": "Hello, %s!" % (args or {}).get("name", "world")}

            METHODS = {"hello": hello}

            while True:
                msg = read()
                if msg is None:
                    break
                if "id" not in msg:
                    continue
                method, params = msg.get("method"), msg.get("params") or {}
                if method == "initialize":
                    result = {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}
                elif method == "invoke" and params.get("method") in METHODS:
                    result = METHODS[params["method"]](params.get("input"))
                elif method == "shutdown":
                    write({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                    break
                else:
                    write({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no method %s" % method, "data": {"code": "not_found"}}})
                    continue
                write({"jsonrpc": "2.0", "id": msg["id"], "result": result})

            """);
    }
}
