using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Stockade.Cli.Infrastructure;

namespace Stockade.Cli.Commands;

/// <summary>
/// Examples at the end of <c>--help</c> (issue 18 item 8): the usual ways to call each command, written as a person
/// would type them, after System.CommandLine's own help.
/// </summary>
internal static class CommandExamples
{
    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["stockade"] =
        [
            "stockade doctor                                   what this machine can enforce",
            "stockade init ./greeter --id acme.greeter         a new plugin that builds and validates as is",
            "stockade run ./greeter greet --input '{\"name\":\"Ada\"}'",
            "stockade install ./greeter                        review its permissions and install it",
            "stockade <command> --help                         each command's options and examples",
        ],
        ["stockade doctor"] = ["stockade doctor", "stockade doctor --json"],
        ["stockade init"] = ["stockade init ./greeter --id acme.greeter", "stockade init ./greeter-py --id acme.greeter-py --lang python"],
        ["stockade validate"] = ["stockade validate ./greeter", "stockade validate ./greeter --level strict --json"],
        ["stockade keygen"] = ["stockade keygen --out ./keys/acme        writes acme.key.pem (keep it secret) and acme.pub.pem"],
        ["stockade sign"] = ["stockade sign ./greeter --key ./keys/acme.key.pem"],
        ["stockade trust"] = ["stockade trust add ./keys/acme.pub.pem --name acme", "stockade trust list", "stockade trust remove <key-id>"],
        ["stockade trust add"] = ["stockade trust add ./keys/acme.pub.pem --name acme"],
        ["stockade install"] =
        [
            "stockade install ./greeter                                  one screen: review, then decide (on a terminal)",
            "stockade install ./greeter --grant all --yes                scripts: every declared permission",
            "stockade install ./greeter --grant 'file:read=$CONFIG/notes/**' --yes",
        ],
        ["stockade uninstall"] = ["stockade uninstall acme.greeter"],
        ["stockade list"] = ["stockade list", "stockade list --json"],
        ["stockade permissions"] = ["stockade permissions acme.greeter", "stockade permissions acme.greeter --json"],
        ["stockade grant"] = ["stockade grant acme.greeter 'network:request=api.example.com:443'"],
        ["stockade revoke"] = ["stockade revoke acme.greeter 'file:read=$CONFIG/notes/**'"],
        ["stockade enable"] = ["stockade enable acme.greeter"],
        ["stockade disable"] = ["stockade disable acme.greeter"],
        ["stockade run"] =
        [
            "stockade run ./greeter greet --input '{\"name\":\"Ada\"}'       a folder: a development run, logs on stderr",
            "stockade run ./greeter fetch --grant 'network:request=api.example.com:443'",
            "stockade run ./greeter fetch --grant all                       every permission it declares, this run only",
            "stockade run acme.greeter greet --input '{\"name\":\"Ada\"}' --json --quiet",
            "stockade run acme.greeter slow --stats                         resource usage while it runs",
        ],
        ["stockade audit"] =
        [
            "stockade audit --plugin acme.greeter --limit 20",
            "stockade audit --action permission.denied --since 2026-01-01 --json",
            "stockade audit verify",
        ],
        ["stockade audit verify"] = ["stockade audit verify"],
        ["stockade policy"] = ["stockade policy list", "stockade policy show sandboxed --json"],
        ["stockade demo"] = ["stockade demo"],
    };

    /// <summary>Makes <c>--help</c> end with the examples of the command it describes.</summary>
    public static void AddTo(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().SingleOrDefault();
        if (help?.Action is HelpAction inner)
        {
            help.Action = new WithExamples(inner);
        }
    }

    /// <summary>True when <paramref name="action"/> is <c>--help</c>: it runs even when the rest of the line does not parse.</summary>
    public static bool IsHelp(System.CommandLine.Invocation.CommandLineAction? action) => action is WithExamples or HelpAction;

    /// <summary>The examples shown for the command at <paramref name="path"/> (e.g. <c>stockade run</c>); empty when none.</summary>
    public static IReadOnlyList<string> For(string path) => Examples.TryGetValue(path, out var lines) ? lines : [];

    private sealed class WithExamples(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = inner.Invoke(parseResult);
            var lines = For(DidYouMean.Path(parseResult.CommandResult));
            if (lines.Count > 0)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var line in lines)
                {
                    output.WriteLine("  " + line);
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
