namespace Stockade.Core.Permissions;

/// <summary>Why a permission text was refused, so callers can map it to their own diagnostic codes.</summary>
internal enum PermissionErrorKind
{
    Syntax,
    UnknownCategory,
    UnknownAction,
    Scope,
}
