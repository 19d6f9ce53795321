namespace Stockade.Core.Audit;

/// <summary>
/// One line of the audit log, as written. Immutable; <see cref="Hash"/> is the lowercase hex SHA-256 of the
/// canonical JSON of every other field (see <see cref="AuditRecordFormat"/>), and <see cref="Prev"/> is the
/// hash of the record before it, which chains the whole log together.
/// </summary>
/// <param name="Seq">1-based sequence number, global across all daily files.</param>
/// <param name="Ts">When the record was written, UTC, 100 ns precision.</param>
/// <param name="Action">The action, normally one of <see cref="AuditActions"/>.</param>
/// <param name="Plugin">The plugin id, if the record is about one.</param>
/// <param name="Decision">Allow, deny or info.</param>
/// <param name="Layer">The layer that decided or observed.</param>
/// <param name="Permission">The permission involved, if any.</param>
/// <param name="Resource">The resource involved, if any.</param>
/// <param name="Details">Extra facts, sorted by key (ordinal), already redacted.</param>
/// <param name="Prev">Hash of the previous record; <see cref="AuditRecordFormat.GenesisHash"/> for the first.</param>
/// <param name="Hash">Hash of this record.</param>
public sealed record AuditRecord(
    long Seq,
    DateTimeOffset Ts,
    string Action,
    string? Plugin,
    AuditDecision Decision,
    AuditLayer Layer,
    string? Permission,
    string? Resource,
    IReadOnlyDictionary<string, string> Details,
    string Prev,
    string Hash)
{
    /// <summary>
    /// The record's schema version: <see cref="AuditRecordFormat.CurrentVersion"/> for records this Stockade writes
    /// (written as the key <c>v</c>), 1 for lines written before versions existed (no <c>v</c> key). The version decides
    /// the canonical form, so a reader checks each line with the rules of its own version.
    /// </summary>
    public int Version { get; init; } = 1;
}
