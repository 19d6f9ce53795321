namespace Stockade.Hosting.Validation;

/// <summary>The severity words of <see cref="ValidationItem.Severity"/>.</summary>
public static class ValidationSeverities
{
    /// <summary>Refuses the plugin.</summary>
    public const string Error = "error";

    /// <summary>Worth reading; does not refuse it.</summary>
    public const string Warning = "warning";

    /// <summary>A suggestion (least privilege, style).</summary>
    public const string Hint = "hint";

    /// <summary>For information.</summary>
    public const string Info = "info";
}
