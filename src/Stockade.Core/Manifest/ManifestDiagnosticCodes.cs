namespace Stockade.Core.Manifest;

/// <summary>The stable diagnostic codes of the manifest reader.</summary>
public static class ManifestDiagnosticCodes
{
    /// <summary>YAML or JSON syntax error, or a construct the reader refuses (several documents, too deep).</summary>
    public const string Syntax = "STKM001";

    /// <summary>Unknown key.</summary>
    public const string UnknownKey = "STKM002";

    /// <summary>A required key is missing.</summary>
    public const string MissingKey = "STKM003";

    /// <summary>Unknown permission category or action.</summary>
    public const string UnknownPermission = "STKM004";

    /// <summary>A value has the wrong type (text where a list is expected, ...).</summary>
    public const string WrongType = "STKM005";

    /// <summary>The same key appears twice in one mapping.</summary>
    public const string DuplicateKey = "STKM006";

    /// <summary>The id does not follow <c>[a-z0-9][a-z0-9.-]{1,63}</c>.</summary>
    public const string BadId = "STKM007";

    /// <summary>A version is not SemVer 2.</summary>
    public const string BadVersion = "STKM008";

    /// <summary>Unknown runtime.</summary>
    public const string UnknownRuntime = "STKM009";

    /// <summary>The entry is absolute or climbs out of the plugin folder.</summary>
    public const string BadEntry = "STKM010";

    /// <summary>A duration cannot be read.</summary>
    public const string BadDuration = "STKM011";

    /// <summary>A permission scope is malformed or unsafe (relative, escaping with <c>..</c>, NUL, too long).</summary>
    public const string BadScope = "STKM012";

    /// <summary>A resource limit is below what the .NET runtime needs to start.</summary>
    public const string ResourceBelowFloor = "STKM013";

    /// <summary>A resource limit is above the sane maximum.</summary>
    public const string ResourceAboveMaximum = "STKM014";

    /// <summary>A rate limit cannot be read.</summary>
    public const string BadRateLimit = "STKM015";

    /// <summary>A version range cannot be read.</summary>
    public const string BadVersionRange = "STKM016";

    /// <summary>The same permission is both required and optional (warning).</summary>
    public const string RequiredAndOptional = "STKM017";

    /// <summary>The interpreter is not an absolute path.</summary>
    public const string BadInterpreter = "STKM018";

    /// <summary>The manifest file is missing, duplicated (yaml and json), unreadable or too large.</summary>
    public const string File = "STKM019";

    /// <summary>A value is out of range or malformed (name, prewarm, api name, ...).</summary>
    public const string BadValue = "STKM020";

    /// <summary>A YAML alias was used; aliases are refused so a small file cannot expand into a huge one.</summary>
    public const string AliasNotAllowed = "STKM021";

    /// <summary>A permission is very broad (any host, the whole file system): allowed, but reviewers should look (warning).</summary>
    public const string BroadPermission = "STKM022";

    /// <summary>The same permission is declared twice in one list (warning).</summary>
    public const string DuplicatePermission = "STKM023";

    /// <summary>A key that only applies to the other runtime (warning).</summary>
    public const string IgnoredForRuntime = "STKM024";

    /// <summary>The <c>restart</c> policy cannot be read or is out of range.</summary>
    public const string BadRestart = "STKM025";
}
