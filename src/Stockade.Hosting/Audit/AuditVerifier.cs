using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>
/// Checks an audit folder end to end: every line parses and is in canonical form, every hash matches its
/// content, every <c>prev</c> is the hash of the record before it, <c>seq</c> grows by one across files in
/// date order, each record sits in the file of its UTC day, time never runs backwards, and the log reaches
/// the head kept in the store. Stops at the first problem and says where it is and what it means.
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies the log in <paramref name="auditDirectory"/>. Never throws on a damaged log.</summary>
    /// <param name="auditDirectory">The audit folder, e.g. <c>$STOCKADE_HOME/audit</c>.</param>
    /// <param name="expectedHead">The head kept in the store (<see cref="IAuditHeadStore.Read"/>); without it a cut tail or a removed newest file cannot be detected.</param>
    public static AuditVerifyResult Verify(string auditDirectory, AuditHead? expectedHead = null)
    {
        ArgumentNullException.ThrowIfNull(auditDirectory);
        var files = AuditFiles.List(auditDirectory);
        var expectedSeq = 1L;
        var prev = AuditRecordFormat.GenesisHash;
        var lastTs = DateTimeOffset.MinValue;
        string? lastFile = null;
        var lastLine = 0;

        foreach (var (day, path) in files)
        {
            var name = Path.GetFileName(path);
            lastFile = name;
            lastLine = 0;
            try
            {
                foreach (var (number, line) in JsonlLines.Read(path))
                {
                    lastLine = number;
                    var problem = Check(line.Span, day, expectedSeq, prev, lastTs, expectedHead, number == 1, out var record);
                    if (problem is not null)
                    {
                        return Fail(expectedSeq - 1, name, number, $"{name} line {number}: {problem}");
                    }

                    expectedSeq = record!.Seq + 1;
                    prev = record.Hash;
                    lastTs = record.Ts;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Fail(expectedSeq - 1, name, null, $"{name}: cannot be read ({ex.Message}) — check its permissions and run verify again");
            }
        }

        var written = expectedSeq - 1;
        if (expectedHead is not null && written < expectedHead.Seq)
        {
            var where = lastFile is null ? "the audit folder has no files" : $"{lastFile} line {lastLine + 1}";
            var missing = written + 1 == expectedHead.Seq ? $"record {expectedHead.Seq} is" : $"records {written + 1}–{expectedHead.Seq} are";
            return Fail(
                written,
                lastFile,
                lastFile is null ? null : lastLine + 1,
                $"{where}: the log ends at seq {written} but stockade.db says seq {expectedHead.Seq} was written: {missing} missing (the tail was cut or the newest file was deleted)");
        }

        return new AuditVerifyResult { Ok = true, Records = written };
    }

    private static string? Check(ReadOnlySpan<byte> line, DateOnly day, long expectedSeq, string prev, DateTimeOffset lastTs, AuditHead? head, bool firstLineOfFile, out AuditRecord? record)
    {
        if (!AuditRecordFormat.TryParseLine(line, out record, out var parseProblem))
        {
            return line.IsEmpty ? "empty line (the file was edited)" : $"{parseProblem} (the record was edited or torn by a crash)";
        }

        if (AuditRecordFormat.ComputeHash(record!) != record!.Hash)
        {
            return "hash does not match its content (record was edited)";
        }

        if (!line.SequenceEqual(AuditRecordFormat.ToCanonicalLine(record)))
        {
            return "the record is not in canonical form although its hash matches (the line was reformatted by hand)";
        }

        if (record.Seq != expectedSeq)
        {
            if (record.Seq < expectedSeq)
            {
                return $"seq {record.Seq} where {expectedSeq} was expected: records are out of order or repeated (lines were swapped or copied)";
            }

            var missing = record.Seq - 1 == expectedSeq ? $"record {expectedSeq} is" : $"records {expectedSeq}–{record.Seq - 1} are";
            return firstLineOfFile
                ? $"seq {record.Seq} where {expectedSeq} was expected: {missing} missing (a whole file was deleted, or lines at the end of the previous file or the start of this one)"
                : $"seq {record.Seq} where {expectedSeq} was expected: {missing} missing or out of order (a line was deleted or lines were swapped)";
        }

        if (record.Prev != prev)
        {
            return "prev does not match the hash of the record before it (the chain is broken: a record was replaced or the log was rewritten)";
        }

        if (DateOnly.FromDateTime(record.Ts.UtcDateTime) != day)
        {
            return $"the record is dated {record.Ts.UtcDateTime:yyyy-MM-dd} but sits in the file of {day:yyyy-MM-dd} (records were moved between files)";
        }

        if (record.Ts < lastTs)
        {
            return $"time goes backwards ({record.Ts:O} after {lastTs:O}) (records were reordered)";
        }

        if (head is not null && record.Seq == head.Seq && record.Hash != head.Hash)
        {
            return $"record {record.Seq} is not the one stockade.db says was written (the log was rewritten from here or earlier)";
        }

        return null;
    }

    private static AuditVerifyResult Fail(long records, string? file, int? line, string problem) =>
        new() { Ok = false, Records = records, File = file, Line = line, Problem = problem };
}
