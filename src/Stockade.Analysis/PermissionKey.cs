namespace Stockade.Analysis;

/// <summary>
/// The <c>category:action</c> part of a permission (scope dropped: it is not known statically). A missing
/// action or <c>*</c> means any action of the category.
/// </summary>
internal readonly record struct PermissionKey(string Category, string Action)
{
    public const string AnyAction = "*";

    public bool IsAnyAction => Action == AnyAction;

    public static PermissionKey Parse(string permission)
    {
        var text = permission.Trim();
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals >= 0)
        {
            text = text[..equals];
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? new PermissionKey(text.ToLowerInvariant(), AnyAction)
            : new PermissionKey(text[..colon].Trim().ToLowerInvariant(), NormaliseAction(text[(colon + 1)..]));
    }

    /// <summary>Whether this declared permission allows <paramref name="used"/>; <c>write</c> implies <c>read</c>.</summary>
    public bool Allows(PermissionKey used) =>
        Category == used.Category
        && (IsAnyAction || used.IsAnyAction || Action == used.Action || (Action == "write" && used.Action == "read"));

    public override string ToString() => Category + ":" + Action;

    private static string NormaliseAction(string action)
    {
        var trimmed = action.Trim().ToLowerInvariant();
        return trimmed.Length == 0 ? AnyAction : trimmed;
    }
}
