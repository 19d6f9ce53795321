using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Hosting;

namespace Stockade.Cli.Infrastructure;

/// <summary>
/// What a person runs to allow what the host refused during <c>stockade run</c>, built so that it works where it is
/// pasted: a folder run is not installed, so its advice is the same <c>run</c> command with <c>--grant</c> added
/// (<c>stockade grant</c> would answer "not installed"); an installed plugin gets <c>stockade grant</c> on the same
/// home. The permission is the one the host named (the pattern the manifest declares when one covers the refusal, see
/// <c>PluginHost.HostPermission</c>), parsed and printed by the host; every other word is the person's own command line
/// or the CLI's, each shell-quoted. Nothing of the plugin's own text (its exception message, its stderr) goes in.
/// </summary>
internal sealed record DenialAdvice(string Permission, string? Command, string Next)
{
    /// <summary>The advice for <paramref name="denied"/>, or null when the host named no permission (nothing to grant).</summary>
    public static DenialAdvice? For(PluginPermissionDeniedException denied, RunInvocation run, PluginManifest? manifest, SandboxPolicyView? policy)
    {
        if (denied.Permission is not { } permission)
        {
            return null;
        }

        var declared = manifest is not null && manifest.Permissions.Required.Concat(manifest.Permissions.Optional)
            .Any(r => string.Equals(r.Permission.ToString(), permission, StringComparison.Ordinal));
        if (policy?.Grants(permission) == true)
        {
            // Refused although granted: a quota or a rule other than the grant (the host's message says which).
            return new DenialAdvice(permission, null, $"'{permission}' is granted already; the host refused it for another reason (see the message above), which granting it again does not change.");
        }

        var command = run.IsFolder ? run.WithGrant(permission) : run.GrantCommand(permission);
        if (declared)
        {
            return new DenialAdvice(permission, command, run.IsFolder
                ? $"the manifest declares '{permission}'; the command above runs the plugin again with it granted, for that run only."
                : $"the manifest declares '{permission}'; the command above grants it (a running host applies it at once).");
        }

        return new DenialAdvice(permission, null, run.IsFolder
            ? $"the manifest does not declare it: if the plugin should be allowed this, add '{permission}' under permissions in its plugin.yaml, then run: {command}"
            : $"the installed manifest does not declare it: if the plugin should be allowed this, add '{permission}' under permissions in its plugin.yaml, install it again (stockade install <its folder>), then run: {command}");
    }
}

/// <summary>The <c>stockade run</c> a person typed, as far as advice repeats it.</summary>
internal sealed record RunInvocation(string Target, bool IsFolder, string? Method, string? Input, string? Level, bool AllowDowngrade, IReadOnlyList<string> Grants, string? Home)
{
    /// <summary>The same command with <c>--grant PERMISSION</c> added (a folder run's grant lasts that run).</summary>
    public string WithGrant(string permission)
    {
        var words = new List<string> { "stockade", "run", Shell(Target) };
        if (Method is not null)
        {
            words.Add(Shell(Method));
        }

        if (Input is not null)
        {
            words.Add("--input");
            words.Add(Shell(Input));
        }

        if (Level is not null)
        {
            words.Add("--level");
            words.Add(Shell(Level));
        }

        if (AllowDowngrade)
        {
            words.Add("--allow-downgrade");
        }

        foreach (var grant in Grants.Where(g => !string.Equals(g, permission, StringComparison.Ordinal)).Append(permission))
        {
            words.Add("--grant");
            words.Add(Shell(grant));
        }

        AddHome(words);
        return string.Join(' ', words);
    }

    /// <summary><c>stockade grant ID PERMISSION</c>, on the home the person named (a grant elsewhere would say "not installed").</summary>
    public string GrantCommand(string permission)
    {
        var words = new List<string> { GrantAdvice.Command(Target, permission) };
        AddHome(words);
        return string.Join(' ', words);
    }

    private void AddHome(List<string> words)
    {
        if (Home is not null)
        {
            words.Add("--home");
            words.Add(Shell(Home));
        }
    }

    private static string Shell(string word) => GrantAdvice.ShellArgument(word);
}

/// <summary>Whether the loaded plugin's policy grants a permission already (so advice does not say "grant it" again).</summary>
internal sealed class SandboxPolicyView(Stockade.Core.Policy.SandboxPolicy policy)
{
    public bool Grants(string permission) =>
        Permission.TryParse(permission, out var parsed, out _) && policy.Check(parsed).IsGranted;
}
