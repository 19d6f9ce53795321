using System.Text.Json;
using System.Text.Json.Nodes;
using Stockade.Core.Permissions;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Categories;

/// <summary>
/// An application's permission category as the store keeps it (table <c>host_categories</c>):
/// <c>{"name": "inventory", "description": "...", "actions": [{"name": "admin", "description": "...", "implies": ["*"]}]}</c>.
/// Reading is defensive: a row is data another process wrote, so anything that does not make a valid
/// <see cref="PermissionCategory"/> (a built-in name, a bad identifier, control characters, an implication outside its
/// category, a size past the limits) is refused, never half-used.
/// </summary>
internal static class AppCategoryRecord
{
    /// <summary>Largest definition read back (64 actions with 200-character descriptions fit easily).</summary>
    public const int MaxLength = 64 * 1024;

    private const int MaxActions = 64;

    public static string Write(PermissionCategory category)
    {
        var actions = new JsonArray();
        foreach (var action in category.Actions)
        {
            var item = new JsonObject { ["name"] = action };
            if (category.ActionDescriptions.TryGetValue(action, out var description))
            {
                item["description"] = description;
            }

            if (category.DeclaredImplications.TryGetValue(action, out var implies))
            {
                item["implies"] = new JsonArray([.. implies.Select(i => (JsonNode)i)]);
            }

            actions.Add(item);
        }

        var root = new JsonObject { ["name"] = category.Name };
        if (category.Description is { } text)
        {
            root["description"] = text;
        }

        root["actions"] = actions;
        return root.ToJsonString();
    }

    /// <summary>
    /// The built-in catalog plus every valid category recorded in <paramref name="store"/> (what a CLI validating a plugin
    /// for this home accepts); <paramref name="skipped"/> hears of each row refused.
    /// </summary>
    public static PermissionCatalog HomeCatalog(StockadeStore store, Action<string, string>? skipped = null)
    {
        try
        {
            return ReadAll(store, skipped).Aggregate(PermissionCatalog.Default, (catalog, category) => catalog.WithCategory(category));
        }
        catch (StoreException)
        {
            return PermissionCatalog.Default; // unreadable rows: the built-ins only (an app category then reads as unknown, with the hint)
        }
    }

    /// <summary>Every valid category recorded in <paramref name="store"/>, by name.</summary>
    public static IReadOnlyList<PermissionCategory> ReadAll(StockadeStore store, Action<string, string>? skipped = null)
    {
        var valid = new List<PermissionCategory>();
        foreach (var (name, definition) in store.ListCategories())
        {
            if (TryRead(name, definition, out var problem) is { } category)
            {
                valid.Add(category);
            }
            else
            {
                skipped?.Invoke(CategoryText.Safe(name), problem ?? "not valid");
            }
        }

        return valid;
    }

    /// <summary>The category recorded under <paramref name="name"/>, or null with the reason when the row is not a valid one.</summary>
    public static PermissionCategory? TryRead(string name, string json, out string? problem)
    {
        try
        {
            problem = null;
            if (json.Length > MaxLength)
            {
                problem = $"the definition is {json.Length} characters long (at most {MaxLength})";
                return null;
            }

            if (PermissionCatalog.IsBuiltIn(name))
            {
                problem = "a built-in category cannot be redefined";
                return null;
            }

            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "name") != name)
            {
                problem = "the definition does not name the category it is recorded under";
                return null;
            }

            var actions = new List<string>();
            var descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
            var implies = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (!root.TryGetProperty("actions", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > MaxActions)
            {
                problem = $"the definition needs 1 to {MaxActions} actions";
                return null;
            }

            foreach (var item in list.EnumerateArray())
            {
                var action = item.ValueKind == JsonValueKind.Object ? Text(item, "name") : null;
                if (action is null || actions.Contains(action, StringComparer.Ordinal))
                {
                    problem = "an action has no name, or a name given twice";
                    return null;
                }

                actions.Add(action);
                if (Text(item, "description") is { } description)
                {
                    descriptions[action] = description;
                }

                if (item.TryGetProperty("implies", out var implied))
                {
                    if (implied.ValueKind != JsonValueKind.Array || implied.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.String))
                    {
                        problem = $"'implies' of '{action}' is not a list of action names";
                        return null;
                    }

                    implies[action] = [.. implied.EnumerateArray().Select(i => i.GetString()!)];
                }
            }

            // The constructor is the one gate: identifiers, plain-text descriptions, implications within the category.
            return new PermissionCategory(name, actions, ScopeKind.Name, description: Text(root, "description"), actionDescriptions: descriptions, implies: implies);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            problem = ex.Message;
            return null;
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
