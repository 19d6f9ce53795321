using System.Globalization;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Broker.Budgets;

/// <summary>
/// The audit budget of one worker: how many records (and bytes) the worker may make the host write per interval. The
/// first <see cref="BudgetOptions.AuditRecordsPerInterval"/> notifications and refusals of an interval are written one by
/// one, the rest are counted into one summary record per action, carrying the count and the first and last attempt;
/// past <see cref="BudgetOptions.AuditMaxRecordsPerInterval"/> records or <see cref="BudgetOptions.AuditMaxKbPerInterval"/>
/// the worker is over budget. One job: deciding; the broker writes and ends. Thread-safe.
/// </summary>
internal sealed class AuditBudget(BudgetOptions options, TimeProvider time)
{
    // Fixed cost counted for every record besides its text: sequence, time stamps, hashes, field names.
    private const int RecordOverhead = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Action, AuditDecision Decision, AuditLayer Layer), Summary> _summaries = [];
    private long _windowStart = time.GetTimestamp();
    private int _records;
    private long _bytes;
    private int _written;
    private string? _overBudget;

    /// <summary>Why the worker is over its budget, once it is.</summary>
    public string? OverBudgetReason
    {
        get
        {
            lock (_gate)
            {
                return _overBudget;
            }
        }
    }

    /// <summary>True while summaries wait to be written.</summary>
    public bool HasSummaries
    {
        get
        {
            lock (_gate)
            {
                return _summaries.Count > 0;
            }
        }
    }

    /// <summary>
    /// Counts <paramref name="entry"/>. A <paramref name="summarisable"/> record (a notification or refusal: nothing was
    /// performed) beyond the per-interval allowance is summarised; any record past the maximum puts the worker over budget.
    /// </summary>
    public AuditAdmission Admit(AuditEntry entry, bool summarisable)
    {
        var size = Size(entry);
        lock (_gate)
        {
            if (_overBudget is not null)
            {
                return AuditAdmission.OverBudget;
            }

            if (time.GetElapsedTime(_windowStart) >= options.Interval)
            {
                _windowStart = time.GetTimestamp();
                _records = 0;
                _bytes = 0;
                _written = 0;
            }

            _records++;
            _bytes += size;
            if (_records > options.AuditMaxRecordsPerInterval)
            {
                _overBudget = $"more than {options.AuditMaxRecordsPerInterval} audit records in {Describe(options.Interval)}";
                return AuditAdmission.OverBudget;
            }

            if (_bytes > options.AuditMaxKbPerInterval * 1024L)
            {
                _overBudget = $"more than {options.AuditMaxKbPerInterval} KiB of audit records in {Describe(options.Interval)}";
                return AuditAdmission.OverBudget;
            }

            if (!summarisable || _written < options.AuditRecordsPerInterval)
            {
                _written++;
                return AuditAdmission.Write;
            }

            var key = (entry.Action, entry.Decision, entry.Layer);
            if (_summaries.TryGetValue(key, out var summary))
            {
                summary.Add(entry, time.GetUtcNow());
            }
            else
            {
                _summaries[key] = new Summary(entry, time.GetUtcNow());
            }

            return AuditAdmission.Summarised;
        }
    }

    /// <summary>The summary records waiting, one per action, and forgets them.</summary>
    public IReadOnlyList<AuditEntry> TakeSummaries()
    {
        lock (_gate)
        {
            if (_summaries.Count == 0)
            {
                return [];
            }

            var entries = _summaries.Values.Select(s => s.ToEntry(options)).ToList();
            _summaries.Clear();
            return entries;
        }
    }

    internal static string Describe(TimeSpan interval) =>
        interval.TotalSeconds >= 1 ? $"{interval.TotalSeconds:0.###} s" : $"{interval.TotalMilliseconds:0} ms";

    private static long Size(AuditEntry entry)
    {
        long size = RecordOverhead + entry.Action.Length + (entry.Plugin?.Length ?? 0) + (entry.Permission?.Length ?? 0) + (entry.Resource?.Length ?? 0);
        if (entry.Details is { } details)
        {
            foreach (var (key, value) in details)
            {
                size += key.Length + value.Length + 6;
            }
        }

        return size;
    }

    // The attempts of one action not written one by one: how many, and the first and last of them.
    private sealed class Summary(AuditEntry first, DateTimeOffset at)
    {
        private readonly AuditEntry _first = first;
        private readonly DateTimeOffset _firstAt = at;
        private AuditEntry _last = first;
        private DateTimeOffset _lastAt = at;
        private long _count = 1;

        public void Add(AuditEntry entry, DateTimeOffset now)
        {
            _count++;
            _last = entry;
            _lastAt = now;
        }

        public AuditEntry ToEntry(BudgetOptions options)
        {
            var details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["summary"] = $"{_count} attempts not written one by one: the plugin had used its {options.AuditRecordsPerInterval} records written one by one per {AuditBudget.Describe(options.Interval)}",
                ["count"] = _count.ToString(CultureInfo.InvariantCulture),
                ["firstAt"] = _firstAt.ToString("O", CultureInfo.InvariantCulture),
                ["lastAt"] = _lastAt.ToString("O", CultureInfo.InvariantCulture),
            };
            Describe(details, "first", _first);
            Describe(details, "last", _last);
            return new AuditEntry(_first.Action, _first.Decision, _first.Layer)
            {
                Plugin = _first.Plugin,
                Permission = _first.Permission == _last.Permission ? _first.Permission : null,
                Resource = _first.Resource == _last.Resource ? _first.Resource : null,
                Details = details,
            };
        }

        private static void Describe(Dictionary<string, string> details, string which, AuditEntry entry)
        {
            if (entry.Permission is not null)
            {
                details[which + "Permission"] = entry.Permission;
            }

            if (entry.Resource is not null)
            {
                details[which + "Resource"] = entry.Resource;
            }

            if (entry.Details is { } more && more.TryGetValue("reason", out var reason))
            {
                details[which + "Reason"] = reason;
            }
        }
    }
}
