using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Core.Permissions;
using Stockade.Hosting.Validation;

namespace Stockade.Cli.Commands;

/// <summary>
/// The install consent screen (issue 18 item 4), shown once the folder is validated and before anything is copied:
/// the signature state first, then every declared permission in plain words, grouped by what it reaches, required
/// ones apart from optional ones. Required permissions are all or nothing — the plugin does not run without them, so
/// declining them (or <c>--grant none</c>) leaves it not installed; optional ones are chosen one by one and default to
/// no. Everything the manifest supplies (names, reasons, scopes) is plugin text: sanitised, and a reason is marked as
/// the plugin's words.
/// </summary>
internal sealed class InstallReview(CliConsole console, IReadOnlyList<string> grants, bool interactive)
{
    private readonly Dictionary<string, bool> _answers = new(StringComparer.Ordinal);

    /// <summary>Why the review declined the install, for the error the person reads.</summary>
    public string? Declined { get; private set; }

    /// <summary>What to do instead, with <see cref="Declined"/>.</summary>
    public string? DeclinedNext { get; private set; }

    /// <summary>Required permissions left open without a decision (non-interactive, no <c>--grant</c> for them).</summary>
    public IReadOnlyList<string> RequiredLeftOpen { get; private set; } = [];

    private bool GrantNone => grants.Any(g => string.Equals(g, "none", StringComparison.OrdinalIgnoreCase));

    private bool GrantAll => grants.Any(g => string.Equals(g, "all", StringComparison.OrdinalIgnoreCase));

    /// <summary><see cref="Hosting.Installation.InstallOptions.Review"/>: decides, or asks a person, before the install.</summary>
    public bool Decide(ValidationReport report)
    {
        var open = report.Permissions.Where(p => IsOpen(p) && !GrantAll && !CoveredByGrant(p.Permission)).ToList();
        var required = open.Where(p => p.Required).ToList();
        var id = report.PluginId ?? "the plugin";
        if (GrantNone && required.Count > 0)
        {
            Declined = $"'{id}' was not installed: it requires {Count(required.Count, "permission")} ({string.Join(", ", required.Select(p => p.Permission))}) and --grant none grants none";
            DeclinedNext = $"a plugin does not run without its required permissions; install it with them: stockade install <folder> --grant all (or --grant each one), or not at all.";
            return false;
        }

        if (!interactive)
        {
            RequiredLeftOpen = [.. required.Select(p => p.Permission)];
            return true;
        }

        Show(report);
        if (required.Count > 0)
        {
            var yes = console.Output.Confirm($"Grant {(required.Count == 1 ? "the required permission" : $"all {required.Count} required permissions")} and install [bold]{TerminalText.Markup(id)}[/]?", defaultValue: true);
            if (!yes)
            {
                Declined = $"'{id}' was not installed: its required permissions were declined";
                DeclinedNext = "a plugin does not run without its required permissions, so it is all of them or no install; nothing was copied or recorded.";
                return false;
            }

            foreach (var permission in required)
            {
                _answers[permission.Permission] = true;
            }
        }

        foreach (var permission in open.Where(p => !p.Required))
        {
            _answers[permission.Permission] = console.Output.Confirm(
                $"Also allow it to [bold]{TerminalText.Markup(permission.Meaning)}[/] ({TerminalText.Markup(permission.Permission)})? [grey](optional)[/]",
                defaultValue: false);
        }

        return true;
    }

    /// <summary><see cref="Hosting.Installation.InstallOptions.Ask"/>: the answer given on the screen; anything not on it is refused.</summary>
    public bool Answer(PermissionView view) => _answers.TryGetValue(view.Permission, out var yes) && yes;

    /// <summary>The screen: who vouches for the code first, then what it may do, grouped.</summary>
    public void Show(ValidationReport report)
    {
        var output = console.Output;
        output.MarkupLine($"Installing [bold]{TerminalText.Markup(report.PluginId)}[/] {TerminalText.Markup(report.Version)}{(string.IsNullOrWhiteSpace(report.Name) ? "" : $" ({TerminalText.Markup(report.Name)})")} from {TerminalText.Markup(report.Directory)}");
        output.MarkupLine(SignatureLine(report.Signature));
        if (report.Permissions.Count == 0)
        {
            output.MarkupLine("  [green]it asks for no permissions[/] beyond its own data and temp folders.");
            return;
        }

        Section("Required — it does not run without these; all or nothing", report.Permissions.Where(p => p.Required).ToList());
        Section("Optional — each one yours to allow now, or later with 'stockade grant'", report.Permissions.Where(p => !p.Required).ToList());
    }

    private void Section(string title, List<PermissionView> permissions)
    {
        if (permissions.Count == 0)
        {
            return;
        }

        var output = console.Output;
        output.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
        foreach (var group in permissions.GroupBy(p => Category(p.Permission)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.MarkupLine($"  [underline]{Markup.Escape(GroupName(group.Key))}[/]");
            foreach (var p in group)
            {
                var state = IsOpen(p)
                    ? GrantAll || CoveredByGrant(p.Permission) ? "[green]granted by --grant[/]" : "[grey]to decide[/]"
                    : p.Decision == "denied" ? "[red]denied earlier[/]" : "[green]granted earlier[/]";
                output.MarkupLine($"    • {TerminalText.Markup(p.Meaning)} [grey]({TerminalText.Markup(p.Permission)})[/] — {state}");
                if (p.Reason is not null)
                {
                    output.MarkupLine($"      [grey]the plugin says:[/] {TerminalText.Markup(p.Reason, 300)}");
                }
            }
        }
    }

    internal static string SignatureLine(SignatureSummary signature)
    {
        var (colour, words) = signature.Status switch
        {
            "valid" => ("green", "signed by a trusted key"),
            "unsigned" => ("yellow", "unsigned — nobody vouches for this code; install it only if you trust where it came from"),
            "untrusted-key" => ("yellow", "signed, but by a key you have not trusted ('stockade trust add')"),
            "not-checked" => ("yellow", "not checked"),
            _ => ("red", "does not verify"),
        };
        var key = signature.KeyId is null ? "" : $" (key {TerminalText.Markup(signature.KeyId)})";
        var problem = signature.Problem is null || signature.Status is "valid" or "unsigned" ? "" : $" — {TerminalText.Markup(signature.Problem)}";
        return $"  signature: [{colour}]{Markup.Escape(words)}[/]{key}{problem}";
    }

    private static bool IsOpen(PermissionView view) => view.Decision is null or "not-granted";

    private bool CoveredByGrant(string declared)
    {
        foreach (var text in grants)
        {
            if (string.Equals(text, declared, StringComparison.Ordinal))
            {
                return true;
            }

            if (Permission.TryParse(text, out var grant, out _) && Permission.TryParse(declared, out var wanted, out _) && grant.Implies(wanted))
            {
                return true;
            }
        }

        return false;
    }

    private static string Category(string permission) => permission.Split(':', 2)[0];

    private static string GroupName(string category) => category switch
    {
        "file" => "Files",
        "network" => "Network",
        "subprocess" => "Programs it may run",
        "env" => "Environment variables",
        "hook" => "Events it receives (hooks)",
        "config" => "Its configuration",
        "database" => "Its key-value store",
        _ => TerminalText.Line(category, 60) + " (a service of this application)",
    };

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
