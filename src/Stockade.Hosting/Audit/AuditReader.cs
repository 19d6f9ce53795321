using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>
/// Reads records back from an audit folder, streaming over the daily files. Lines that do not parse are
/// skipped here; <see cref="AuditVerifier"/> is what reports them.
/// </summary>
/// <param name="directory">The audit folder, e.g. <c>$STOCKADE_HOME/audit</c>. A missing folder reads as empty.</param>
public sealed class AuditReader(string directory)
{
    /// <summary>The audit folder read.</summary>
    public string Directory { get; } = directory ?? throw new ArgumentNullException(nameof(directory));

    /// <summary>Matching records in log order (oldest first). With <see cref="AuditQuery.Limit"/>, only the latest N.</summary>
    /// <param name="query">Filters; <c>new AuditQuery()</c> for everything.</param>
    public IEnumerable<AuditRecord> Query(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "AuditQuery.Limit must be zero or more.");
        }

        var files = AuditFiles.List(Directory)
            .Where(f => (query.Since is null || f.Day >= DateOnly.FromDateTime(query.Since.Value.UtcDateTime))
                     && (query.Until is null || f.Day <= DateOnly.FromDateTime(query.Until.Value.UtcDateTime)))
            .ToList();
        return query.Limit is { } limit ? Latest(files, query, limit) : All(files, query);
    }

    private static IEnumerable<AuditRecord> All(List<(DateOnly Day, string Path)> files, AuditQuery query)
    {
        foreach (var (_, path) in files)
        {
            foreach (var record in ReadFile(path))
            {
                if (query.Matches(record))
                {
                    yield return record;
                }
            }
        }
    }

    private static IEnumerable<AuditRecord> Latest(List<(DateOnly Day, string Path)> files, AuditQuery query, int limit)
    {
        // Newest file first, so a "last 20" query over a year of logs reads one or two files.
        var chunks = new List<List<AuditRecord>>();
        var found = 0;
        for (var i = files.Count - 1; i >= 0 && found < limit; i--)
        {
            var window = new Queue<AuditRecord>();
            foreach (var record in ReadFile(files[i].Path))
            {
                if (query.Matches(record))
                {
                    window.Enqueue(record);
                    if (window.Count > limit - found)
                    {
                        window.Dequeue();
                    }
                }
            }

            found += window.Count;
            chunks.Add([.. window]);
        }

        for (var i = chunks.Count - 1; i >= 0; i--)
        {
            foreach (var record in chunks[i])
            {
                yield return record;
            }
        }
    }

    private static IEnumerable<AuditRecord> ReadFile(string path)
    {
        foreach (var (_, line) in JsonlLines.Read(path))
        {
            if (AuditRecordFormat.TryParseLine(line.Span, out var record, out _))
            {
                yield return record!;
            }
        }
    }
}
