using System.CommandLine;

namespace Stockade.Cli.Infrastructure;

/// <summary>Options shared by many commands; one instance each so every command reads the same symbol.</summary>
internal static class GlobalOptions
{
    public static readonly Option<DirectoryInfo?> Home = new("--home")
    {
        Description = "Stockade home folder (default: $STOCKADE_HOME, else ~/.stockade; for root /var/lib/stockade).",
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

        var personal = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".stockade");
        if (!Environment.IsPrivilegedProcess)
        {
            return personal;
        }

        // Root: workers run under their own uids, which cannot pass /root (0700); the home lives in /var/lib.
        try
        {
            if (Hosting.StockadeHome.MoveLegacyHome(personal, Hosting.StockadeHome.RootDefault) is { } moved)
            {
                Console.Error.WriteLine(moved);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.UsageOrNotFound, $"cannot move the home {personal} to {Hosting.StockadeHome.RootDefault}: {ex.Message}",
                $"move it yourself (mv {personal} {Hosting.StockadeHome.RootDefault}), or keep using it with --home {personal} (workers then need o+x on /root).");
        }

        return Hosting.StockadeHome.RootDefault;
    }
}
