namespace Stockade.Hosting.Audit;

/// <summary>Outcome of <c>AuditVerifier.Verify</c>.</summary>
public sealed record AuditVerifyResult
{
    /// <summary>True when every record checks out and the log reaches the expected head.</summary>
    public required bool Ok { get; init; }

    /// <summary>Records checked (up to the first problem).</summary>
    public required long Records { get; init; }

    /// <summary>The file name (e.g. <c>audit-2026-11-26.jsonl</c>) where the first problem is, if any.</summary>
    public string? File { get; init; }

    /// <summary>The 1-based line of the first problem in <see cref="File"/>, if any.</summary>
    public int? Line { get; init; }

    /// <summary>The first problem in plain words, starting with the file and line; null when <see cref="Ok"/>.</summary>
    public string? Problem { get; init; }

    /// <summary>Audit files read (with <see cref="AuditVerifyOptions"/> only).</summary>
    public int? Files { get; init; }

    /// <summary>Signed heads checked (with a key).</summary>
    public int? SignedHeads { get; init; }

    /// <summary>The last signed head found valid (with a key): the records it covers are signed.</summary>
    public AuditSignedHead? LastSignedHead { get; init; }

    /// <summary>Records no signed head covers yet, at the end of the log (waiting for a running writer's next head).</summary>
    public long? UnsignedTail { get; init; }

    /// <summary>
    /// When the problem is records no signed head covers and no running writer will sign (a writer killed before its
    /// next head, or records appended without the key): the first of them. An operator who has read them may
    /// acknowledge exactly that span (<c>stockade audit acknowledge-tail FROM-TO</c>).
    /// </summary>
    public long? UnsignedFrom { get; init; }

    /// <summary>The last record of the span <see cref="UnsignedFrom"/> starts.</summary>
    public long? UnsignedTo { get; init; }

    /// <summary>What was compared, one sentence a line, for the user to read (with <see cref="AuditVerifyOptions"/> only).</summary>
    public IReadOnlyList<string>? Compared { get; init; }
}
