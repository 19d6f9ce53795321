using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>
/// Keeps the sequence number and hash of the last audit record written, outside the audit files, so that
/// <see cref="AuditVerifier"/> can tell a cut tail or a removed newest file from an intact log.
/// <see cref="Store.StockadeStore"/> implements it.
/// </summary>
public interface IAuditHeadStore
{
    /// <summary>The last head written, or null if none was.</summary>
    AuditHead? Read();

    /// <summary>Records a new head. Called by the audit writer while it holds the audit lock.</summary>
    /// <param name="head">Sequence number and hash of the last record now written.</param>
    void Write(AuditHead head);
}
