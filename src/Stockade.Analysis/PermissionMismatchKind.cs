namespace Stockade.Analysis;

/// <summary>How declared permissions differ from what the code was seen to use.</summary>
public enum PermissionMismatchKind
{
    /// <summary>The code uses an API that needs a permission the manifest does not declare.</summary>
    UsedButNotDeclared = 0,

    /// <summary>The manifest declares a permission that the code was never seen to use (least privilege).</summary>
    DeclaredButNotUsed = 1,
}
