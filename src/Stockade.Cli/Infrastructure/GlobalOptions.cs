using System.CommandLine;

namespace Stockade.Cli.Infrastructure;

/// <summary>Options shared by many commands; one instance each so every command reads the same symbol.</summary>
internal static class GlobalOptions
{
    public static readonly Option<DirectoryInfo?> Home = new("--home")
    {
        Description = "Stockade home folder (default: $STOCKADE_HOME, else ~/.stockade).",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON document on stdout instead of human output.",
    };

    public static string ResolveHome(ParseResult parse)
    {
        var explicitHome = parse.GetValue(Home);
        if (explicitHome is not null)
        {
            return Path.GetFullPath(explicitHome.FullName);
        }

        var env = Environment.GetEnvironmentVariable("STOCKADE_HOME");
        if (!string.IsNullOrWhiteSpace(env))
        {
            return Path.GetFullPath(env);
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".stockade");
    }
}
