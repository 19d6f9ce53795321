using System.CommandLine;
using System.CommandLine.Parsing;

namespace Stockade.Cli.Infrastructure;

/// <summary>
/// "Did you mean" for a mistyped command or option (issue 18 item 8): the nearest name the command being parsed
/// knows (its subcommands for a word, its options and the inherited ones for a word starting with <c>-</c>), when it is
/// close enough to be a typo — a third of the length in edits, or the start of exactly one name.
/// </summary>
internal static class DidYouMean
{
    /// <summary>The suggestion for <paramref name="token"/> typed at <paramref name="command"/>, or null.</summary>
    public static string? For(CommandResult command, string token)
    {
        var candidates = token.StartsWith('-') ? OptionNames(command) : SubcommandNames(command.Command);
        return Nearest(token, candidates);
    }

    /// <summary>The closest candidate within a third of the token's length in edits, else the one name it starts, else null.</summary>
    public static string? Nearest(string token, IEnumerable<string> candidates)
    {
        var names = candidates.Distinct(StringComparer.Ordinal).ToList();
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in names)
        {
            var distance = Stockade.Core.Permissions.Spelling.Distance(token.ToLowerInvariant(), name.ToLowerInvariant()); // one edit distance with the manifest reader's (source shared)
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        var bare = token.TrimStart('-');
        if (best is not null && bestDistance > 0 && bestDistance <= Math.Max(1, bare.Length / 3))
        {
            return best;
        }

        var prefixed = bare.Length >= 2 ? names.Where(n => n.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase)).ToList() : [];
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    /// <summary>The words a person types to reach <paramref name="command"/>, e.g. <c>stockade trust add</c>.</summary>
    public static string Path(CommandResult command)
    {
        var words = new List<string>();
        for (SymbolResult? at = command; at is not null; at = at.Parent)
        {
            if (at is CommandResult c)
            {
                words.Insert(0, c.Command is RootCommand ? "stockade" : c.Command.Name);
            }
        }

        return string.Join(' ', words);
    }

    private static IEnumerable<string> SubcommandNames(Command command) =>
        command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));

    private static IEnumerable<string> OptionNames(CommandResult command)
    {
        for (SymbolResult? at = command; at is not null; at = at.Parent)
        {
            if (at is not CommandResult c)
            {
                continue;
            }

            foreach (var option in c.Command.Options.Where(o => !o.Hidden && (ReferenceEquals(c, command) || o.Recursive)))
            {
                yield return option.Name;
                foreach (var alias in option.Aliases)
                {
                    yield return alias;
                }
            }
        }
    }
}
