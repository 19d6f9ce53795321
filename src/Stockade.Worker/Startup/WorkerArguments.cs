namespace Stockade.Worker;

// The command line, parsed by hand: a command-line library would cost startup time in every worker.
internal sealed record WorkerArguments(string PluginDirectory, string Entry, string? TypeName, bool Seccomp, bool AllowExec, string? Error)
{
    public const string Usage =
        "usage: dotnet Stockade.Worker.dll --plugin-dir <dir> --entry <relative dll> [--type <Full.Type>] [--seccomp] [--allow-exec]";

    public static WorkerArguments Parse(IReadOnlyList<string> args)
    {
        string? pluginDirectory = null, entry = null;
        string? typeName = null;
        var typeGiven = false;
        bool seccomp = false, allowExec = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--seccomp":
                    seccomp = true;
                    break;
                case "--allow-exec":
                    allowExec = true;
                    break;
                case "--plugin-dir":
                    pluginDirectory = NextValue(args, ref i);
                    break;
                case "--entry":
                    entry = NextValue(args, ref i);
                    break;
                case "--type":
                    typeGiven = true;
                    typeName = NextValue(args, ref i);
                    break;
                default:
                    return Failed($"unknown argument '{args[i]}'");
            }
        }

        if (string.IsNullOrWhiteSpace(pluginDirectory) || string.IsNullOrWhiteSpace(entry) || (typeGiven && string.IsNullOrWhiteSpace(typeName)))
        {
            return Failed("--plugin-dir and --entry are required, each with a value (and --type, when given, needs one)");
        }

        return new WorkerArguments(pluginDirectory, entry, typeName, seccomp, allowExec, Error: null);
    }

    // The value after an option, or null when it is missing (reported as a missing required value).
    private static string? NextValue(IReadOnlyList<string> args, ref int i) =>
        i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;

    private static WorkerArguments Failed(string error) => new(string.Empty, string.Empty, null, false, false, error);
}
