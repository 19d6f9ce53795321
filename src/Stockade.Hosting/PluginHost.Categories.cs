using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Stockade.Core.Permissions;
using Stockade.Hosting.Categories;
using Stockade.Hosting.Store;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    private readonly Lock _categoriesGate = new();
    private ImmutableDictionary<string, PermissionCategory> _definedCategories = ImmutableDictionary.Create<string, PermissionCategory>(StringComparer.Ordinal);
    private IReadOnlyList<PermissionCategory>? _recordedCategories;
    private int _categoriesVersion;

    /// <summary>
    /// Defines one of the application's permission categories in its own words: what the category is about, what each
    /// action allows, and which actions give others (e.g. <c>admin</c> implies <c>*</c>, every other action of the
    /// category). The definition is recorded in the home's store, so <c>stockade validate</c>, <c>install</c>,
    /// <c>permissions</c>, <c>grant</c> and <c>revoke</c> on this home know the category and describe it this way.
    /// Actions that registered services require but the definition leaves out are added, without a description.
    /// Implications come only from here, never from a plugin's manifest.
    /// </summary>
    /// <param name="category">The definition, e.g.
    /// <c>new PermissionCategory("inventory", ["read", "write", "admin"], description: "the shop's stock",
    /// actionDescriptions: new Dictionary&lt;string, string&gt; { ["read"] = "see stock levels" },
    /// implies: new Dictionary&lt;string, IReadOnlyList&lt;string&gt;&gt; { ["admin"] = ["*"] })</c>.</param>
    /// <exception cref="ArgumentException">The name is a built-in category's, or the category is not a broker-checked, name-scoped one.</exception>
    /// <exception cref="StoreException">The definition could not be recorded in the home.</exception>
    public void DefineCategory(PermissionCategory category)
    {
        ArgumentNullException.ThrowIfNull(category);
        if (PermissionCatalog.IsBuiltIn(category.Name))
        {
            throw new ArgumentException($"'{category.Name}' is a built-in permission category; an application cannot redefine it. Choose another name.", nameof(category));
        }

        if (category.Enforcement != PermissionEnforcement.Broker || category.ScopeKind != ScopeKind.Name)
        {
            throw new ArgumentException($"Category '{category.Name}': an application's categories are checked by the broker and scoped by name (ScopeKind.Name, PermissionEnforcement.Broker).", nameof(category));
        }

        lock (_categoriesGate)
        {
            _definedCategories = _definedCategories.SetItem(category.Name, category);
            Interlocked.Increment(ref _categoriesVersion);
        }

        RecordCategories(throwOnFailure: true);
    }

    /// <summary>
    /// The application permission categories this host knows: its own (defined or required by its services) and those
    /// other applications recorded in the same home. Built-in categories are not listed.
    /// </summary>
    public IReadOnlyList<PermissionCategory> AppCategories =>
        [.. Catalog.Categories.Where(c => !PermissionCatalog.IsBuiltIn(c.Name)).OrderBy(c => c.Name, StringComparer.Ordinal)];

    /// <summary>
    /// The catalog for <paramref name="declaredPermissions"/> (the services' <c>[RequiresPermission]</c>): built-in
    /// categories (never replaced), then the categories recorded in the store, then this host's own definitions (which
    /// win over a recorded row of the same name), each widened by the actions the services require; then the aliases.
    /// </summary>
    private PermissionCatalog BuildCatalog(IReadOnlyList<string> declaredPermissions)
    {
        var categories = new Dictionary<string, PermissionCategory>(StringComparer.Ordinal);
        foreach (var recorded in RecordedCategories())
        {
            categories[recorded.Name] = recorded;
        }

        foreach (var (name, defined) in _definedCategories)
        {
            categories[name] = defined;
        }

        foreach (var (name, action) in ServiceActions(declaredPermissions))
        {
            if (PermissionCatalog.IsBuiltIn(name))
            {
                continue; // a built-in category keeps its own grammar
            }

            if (!categories.TryGetValue(name, out var existing))
            {
                categories[name] = new PermissionCategory(name, [action], ScopeKind.Name);
            }
            else if (!existing.HasAction(action))
            {
                categories[name] = new PermissionCategory(name, [.. existing.Actions, action], ScopeKind.Name, description: existing.Description,
                    actionDescriptions: existing.ActionDescriptions, implies: existing.DeclaredImplications);
            }
        }

        var catalog = PermissionCatalog.Default;
        foreach (var category in categories.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            catalog = catalog.WithCategory(category);
        }

        foreach (var alias in _options.Aliases.Keys)
        {
            var name = alias.StartsWith('$') ? alias : "$" + alias;
            if (!catalog.HasAlias(name))
            {
                catalog = catalog.WithAlias(name);
            }
        }

        return catalog;
    }

    private static IEnumerable<(string Category, string Action)> ServiceActions(IReadOnlyList<string> declaredPermissions)
    {
        foreach (var declared in declaredPermissions)
        {
            var colon = declared.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = declared[..colon];
                var action = declared[(colon + 1)..].Split('=')[0];
                if (CategoryText.IsIdentifier(name) && CategoryText.IsIdentifier(action))
                {
                    yield return (name, action);
                }
            }
        }
    }

    /// <summary>The rows of <c>host_categories</c> that make valid categories, read once; a bad row is logged and skipped.</summary>
    private IReadOnlyList<PermissionCategory> RecordedCategories()
    {
        if (Volatile.Read(ref _recordedCategories) is { } cached)
        {
            return cached;
        }

        IReadOnlyList<PermissionCategory> valid = [];
        try
        {
            valid = AppCategoryRecord.ReadAll(Store, (name, problem) => CategoryLog.RecordSkipped(_logger, name, problem));
        }
        catch (StoreException ex)
        {
            CategoryLog.StoreUnreadable(_logger, ex);
        }

        Interlocked.CompareExchange(ref _recordedCategories, valid, null);
        return _recordedCategories;
    }

    /// <summary>The registry gained a service: record the categories its methods require.</summary>
    private void OnServicesRegistered()
    {
        Interlocked.Increment(ref _categoriesVersion);
        RecordCategories(throwOnFailure: false);
    }

    /// <summary>Records this host's own categories (defined, or required by its services) in the store.</summary>
    private void RecordCategories(bool throwOnFailure)
    {
        var own = new HashSet<string>(_definedCategories.Keys, StringComparer.Ordinal);
        own.UnionWith(ServiceActions(Services.DeclaredPermissions).Select(a => a.Category).Where(n => !PermissionCatalog.IsBuiltIn(n)));
        var catalog = Catalog;
        foreach (var name in own.Order(StringComparer.Ordinal))
        {
            if (!catalog.TryGetCategory(name, out var category))
            {
                continue;
            }

            try
            {
                Store.RecordCategory(name, AppCategoryRecord.Write(category));
            }
            catch (Exception ex) when (!throwOnFailure && ex is StoreException or ObjectDisposedException)
            {
                CategoryLog.NotRecorded(_logger, ex, name);
            }
        }
    }
}
