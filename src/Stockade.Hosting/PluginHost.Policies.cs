using System.Collections.Immutable;
using Stockade.Core.Manifest;
using Stockade.Core.Policy;
using Stockade.Hosting.Categories;
using Stockade.Hosting.Store;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    private ImmutableDictionary<string, LevelPreset> _namedPolicies = ImmutableDictionary.Create<string, LevelPreset>(StringComparer.Ordinal);

    /// <summary>
    /// Registers a named policy written in JSON: a level preset (<c>basedOn</c>) plus flags, resource caps
    /// (<c>limits</c>), timeout caps (<c>timeouts</c>), the most that may be granted (<c>allowed</c>) and what is never
    /// granted (<c>forbidden</c>), e.g.
    /// <c>{"name": "web-plugin", "basedOn": "sandboxed", "limits": {"memoryMb": 256}, "allowed": ["network:request=*.example.com:443"], "forbidden": ["subprocess:execute"]}</c>.
    /// A plugin is then loaded under it by name (<see cref="PluginLoadOptions.Level"/> = <c>"web-plugin"</c>). The policy
    /// is recorded in the home, so <c>stockade policy list</c> and <c>show</c> see it and <c>stockade run --level</c> can
    /// use it. Registering a name again replaces that policy. Permissions may use this host's categories: define them first.
    /// </summary>
    /// <param name="json">The policy document.</param>
    /// <param name="fileName">Name used in the messages (e.g. the file it came from).</param>
    /// <returns>The policy as read.</returns>
    /// <exception cref="FormatException">The document is not a valid policy; the message lists every problem with its line, column and field.</exception>
    /// <exception cref="StoreException">The policy could not be recorded in the home.</exception>
    public LevelPreset RegisterPolicy(string json, string fileName = "policy.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = LevelPresets.FromJson(json, fileName ?? "policy.json", Catalog);
        if (!read.IsValid || read.Preset is not { } preset)
        {
            var errors = read.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => "  " + d + (d.Hint is null ? string.Empty : $" ({d.Hint})"));
            throw new FormatException($"The policy in {fileName} is not valid; fix these and register it again:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }

        Store.RecordPolicy(preset.Name, json);
        ImmutableInterlocked.Update(ref _namedPolicies, (all, p) => all.SetItem(p.Name, p), preset);
        return preset;
    }

    /// <summary>Reads <paramref name="path"/> and registers the policy in it (see <see cref="RegisterPolicy(string, string)"/>).</summary>
    /// <exception cref="FormatException">The file is not a valid policy (line, column and field named).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public LevelPreset RegisterPolicyFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return RegisterPolicy(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <summary>
    /// Every policy a plugin may be loaded under here: the four built-in levels, then the named policies this host
    /// registered and those recorded in the home by other hosts (a valid recorded one only), by name.
    /// </summary>
    public IReadOnlyList<LevelPreset> Policies =>
        [.. LevelPresets.All, .. NamedPolicies().Values.OrderBy(p => p.Name, StringComparer.Ordinal)];

    /// <summary>
    /// The named policies recorded in the home that no longer read as valid (name → first problem, with its line and
    /// field), e.g. one using a category no host defines any more. They are never used; <c>stockade policy list</c> shows them.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> UnreadablePolicies =>
        [.. RecordedPolicies().Where(r => r.Preset is null && !_namedPolicies.ContainsKey(r.Name)).Select(r => KeyValuePair.Create(r.Name, r.Problem!))];

    /// <summary>The named policy <paramref name="name"/>, or null when neither this host nor the home has one.</summary>
    internal LevelPreset? FindPolicy(string name) => NamedPolicies().GetValueOrDefault(name);

    private Dictionary<string, LevelPreset> NamedPolicies()
    {
        var all = new Dictionary<string, LevelPreset>(StringComparer.Ordinal);
        foreach (var (name, preset, _) in RecordedPolicies())
        {
            if (preset is not null)
            {
                all[name] = preset;
            }
        }

        foreach (var (name, preset) in _namedPolicies)
        {
            all[name] = preset; // this host's own registration wins over an older record
        }

        return all;
    }

    private List<(string Name, LevelPreset? Preset, string? Problem)> RecordedPolicies()
    {
        var rows = new List<(string, LevelPreset?, string?)>();
        IReadOnlyList<(string Name, string Source)> recorded;
        try
        {
            recorded = Store.ListPolicies();
        }
        catch (StoreException ex)
        {
            CategoryLog.StoreUnreadable(_logger, ex);
            return rows;
        }

        foreach (var (name, source) in recorded)
        {
            var read = LevelPresets.FromJson(source, $"policy '{CategoryText.Safe(name)}' in the home", Catalog);
            if (read.Preset is { } preset && preset.Name == name)
            {
                rows.Add((name, preset, null));
            }
            else
            {
                var problem = read.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.ToString() ?? "the recorded policy names another";
                CategoryLog.PolicySkipped(_logger, CategoryText.Safe(name), problem);
                rows.Add((name, null, problem));
            }
        }

        return rows;
    }
}
