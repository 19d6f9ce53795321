namespace Stockade.Core.Audit;

/// <summary>The last record written to an audit log: its sequence number and hash.</summary>
/// <param name="Seq">Sequence number of the last record (0 when nothing was written).</param>
/// <param name="Hash">Lowercase hex SHA-256 of the last record.</param>
public sealed record AuditHead(long Seq, string Hash);
