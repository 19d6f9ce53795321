using System.CommandLine;
using System.Text.RegularExpressions;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;

namespace Stockade.Cli.Commands;

/// <summary>
/// <c>stockade init &lt;dir&gt; [--id ID] [--lang csharp|python|node]</c>: a new plugin that builds and validates as is, written from
/// the same files as the <c>stockade-plugin</c>, <c>stockade-plugin-python</c> and <c>stockade-plugin-node</c> templates
/// (<see cref="PluginTemplate"/>); the script templates carry the protocol helper (<c>stockade.py</c>, <c>stockade.js</c>).
/// </summary>
internal static partial class InitCommand
{
    public static Command Create(CliConsole console)
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Folder to create (must not exist or be empty)." };
        var id = new Option<string?>("--id") { Description = "Plugin id (lowercase, dots or dashes), default: from the folder name." };
        var lang = new Option<string>("--lang") { Description = "csharp (a .NET plugin), python or node (an executable plugin with its protocol helper).", DefaultValueFactory = _ => "csharp" };
        lang.AcceptOnlyFromAmong("csharp", "python", "node");
        var native = new Option<bool>("--native") { Description = "csharp only: compile the plugin ahead of time (NativeAOT) into one executable, 'runtime: native' (docs/native-plugins.md)." };
        var command = new Command("init", "Create a new plugin folder with a manifest and a minimal implementation.") { dir, id, lang, native };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var folder = parse.GetValue(dir)!;
            if (folder.Exists && folder.EnumerateFileSystemInfos().Any())
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"{folder.FullName} is not empty", "choose a new folder name.");
            }

            var pluginId = parse.GetValue(id) ?? DefaultId(folder.Name);
            if (!IdPattern().IsMatch(pluginId))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"'{pluginId}' is not a valid plugin id", "use lowercase letters, digits, dots and dashes, e.g. --id acme.photo-tools");
            }

            var template = parse.GetValue(lang) switch
            {
                "python" => PluginTemplate.Python,
                "node" => PluginTemplate.Node,
                _ => PluginTemplate.CSharp,
            };
            var script = template != PluginTemplate.CSharp;
            var aot = parse.GetValue(native);
            if (aot && script)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"--native compiles a C# plugin ahead of time; a {parse.GetValue(lang)} plugin has nothing to compile", "drop --native, or use --lang csharp --native.");
            }

            var type = TypeName(folder.Name);
            folder.Create();
            var pluginFolder = PluginTemplate.Write(template, folder.FullName, type, pluginId, aot);

            var shown = TerminalText.Markup(folder.FullName);
            var plugin = TerminalText.Markup(pluginFolder);
            console.Output.MarkupLine($"[green]created[/] {shown} ({parse.GetValue(lang)}{(aot ? ", NativeAOT" : string.Empty)}, id [bold]{TerminalText.Markup(pluginId)}[/])");
            console.Output.MarkupLine(script
                ? $"next: stockade validate {plugin} && stockade run {plugin} hello --input '{{\"name\":\"you\"}}'"
                : $"next: dotnet test {shown} && stockade validate {plugin} && stockade run {plugin} hello --input '{{\"name\":\"you\"}}'");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,63}$")]
    private static partial Regex IdPattern();

    /// <summary>
    /// The plugin's type and project name from the folder name: the rule of the templates' <c>stockadeTypeName</c> form
    /// (letters and digits kept, a leading digit prefixed with "Plugin", empty becomes "MyPlugin", first letter upper case).
    /// </summary>
    internal static string TypeName(string folderName)
    {
        var type = new string([.. folderName.Where(char.IsAsciiLetterOrDigit)]);
        type = type.Length == 0 ? "MyPlugin" : char.IsAsciiDigit(type[0]) ? "Plugin" + type : type;
        return char.ToUpperInvariant(type[0]) + type[1..];
    }

    /// <summary>The default plugin id from the folder name: the templates' <c>stockadeId</c> form (lower case, '_' and ' ' become '-').</summary>
    internal static string DefaultId(string folderName) => folderName.ToLowerInvariant().Replace('_', '-').Replace(' ', '-');
}
