namespace Stockade.Analysis.Conflicts;

/// <summary>What kind of problem a <see cref="Conflict"/> is.</summary>
public enum ConflictKind
{
    /// <summary>One plugin declares the other as conflicting (either way round).</summary>
    ExplicitConflict = 0,

    /// <summary>Several plugins provide the same API; one wins (a warning).</summary>
    DuplicateApi = 1,

    /// <summary>Several plugins claim the same exclusive resource.</summary>
    ExclusiveResource = 2,

    /// <summary>A required plugin or API is not present.</summary>
    UnmetRequirement = 3,

    /// <summary>A required plugin is present in a version outside the range, or a version or range cannot be read.</summary>
    IncompatibleVersion = 4,

    /// <summary>Plugins require each other in a cycle; none of them can load first.</summary>
    Cycle = 5,

    /// <summary>The same plugin id appears more than once.</summary>
    DuplicateId = 6,
}
