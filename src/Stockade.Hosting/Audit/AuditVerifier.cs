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
    /// <summary>Verifies the log in <paramref name="auditDirectory"/>: the chain only. Never throws on a damaged log.</summary>
    /// <param name="auditDirectory">The audit folder, e.g. <c>$STOCKADE_HOME/audit</c>.</param>
    /// <param name="expectedHead">The head kept in the store (<see cref="IAuditHeadStore.Read"/>); without it a cut tail or a removed newest file cannot be detected.</param>
    public static AuditVerifyResult Verify(string auditDirectory, AuditHead? expectedHead = null)
    {
        ArgumentNullException.ThrowIfNull(auditDirectory);
        return Walk(auditDirectory, expectedHead, null);
    }

    /// <summary>
    /// Verifies the chain and, with <see cref="AuditVerifyOptions.Key"/>, the signed heads: each head's signature, that
    /// the chain still has each head's record with its hash, and that every record is covered by a head of the writer
    /// that wrote it (records appended by someone without the key are not). Records after the last signed head pass only
    /// while a writer has the log open and a running writer's recent signed open, resume or periodic head (no close after
    /// it, younger than twice its signing interval) stands before them. The result says what was compared. Never throws
    /// on a damaged log.
    /// </summary>
    /// <param name="auditDirectory">The audit folder.</param>
    /// <param name="options">Store head, key, anchor.</param>
    public static AuditVerifyResult Verify(string auditDirectory, AuditVerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(auditDirectory);
        ArgumentNullException.ThrowIfNull(options);
        return Walk(auditDirectory, options.StoreHead, options);
    }

    private static AuditVerifyResult Walk(string auditDirectory, AuditHead? expectedHead, AuditVerifyOptions? options)
    {
        var files = AuditFiles.List(auditDirectory);
        var expectedSeq = 1L;
        var prev = AuditRecordFormat.GenesisHash;
        var lastTs = DateTimeOffset.MinValue;
        string? lastFile = null;
        var lastLine = 0;
        var compared = options is null ? null : new List<string>();
        var lastVersion = 1;

        // Signed heads: where the chain must have which hash, and which records some writer signed for.
        var heads = new List<(AuditSignedHead Head, int Line)>();
        var checkAt = new Dictionary<long, (string Hash, string What)>();
        var covered = new List<(long From, long To)>();
        if (options?.Key is { } key)
        {
            var headsPath = Path.Combine(auditDirectory, AuditSignedHead.FileName);
            if (File.Exists(headsPath))
            {
                try
                {
                    foreach (var (number, bytes) in JsonlLines.Read(headsPath))
                    {
                        var text = System.Text.Encoding.UTF8.GetString(bytes.Span);
                        if (text.Length == 0)
                        {
                            continue;
                        }

                        var head = AuditSignedHead.TryParse(text, out var problem);
                        if (head is null)
                        {
                            return Fail(0, AuditSignedHead.FileName, number, $"{AuditSignedHead.FileName} line {number}: {problem} (the file was edited)");
                        }

                        if (!head.VerifiesWith(key))
                        {
                            return Fail(0, AuditSignedHead.FileName, number, head.KeyId == key.KeyId
                                ? $"{AuditSignedHead.FileName} line {number}: the signature of the head over seq {head.Seq} does not verify with the audit signing key {key.KeyId} (the head was forged or edited)"
                                : $"{AuditSignedHead.FileName} line {number}: the head over seq {head.Seq} is signed by key {head.KeyId}, not by the audit signing key {key.KeyId} (forged, or the key was replaced: verify with --key <the old key>)");
                        }

                        heads.Add((head, number));
                        checkAt.TryAdd(head.Seq, (head.Hash, $"the signed head in {AuditSignedHead.FileName} line {number}"));
                        covered.AddRange(head.Ranges);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return Fail(0, AuditSignedHead.FileName, null, $"{AuditSignedHead.FileName}: cannot be read ({ex.Message}) — check its permissions and run verify again");
                }
            }

            covered = Merge(covered);
        }

        if (options?.Anchor is { } anchor)
        {
            if (options.Key is null || !anchor.VerifiesWith(options.Key))
            {
                return Fail(0, null, null, $"the anchor (head over seq {anchor.Seq}, key {anchor.KeyId}) does not verify with the audit signing key{(options.Key is null ? " (none given)" : " " + options.Key.KeyId)}: it was edited or made with another key");
            }

            if (checkAt.TryGetValue(anchor.Seq, out var known) && known.Hash != anchor.Hash)
            {
                return Fail(0, null, null, $"the anchor says record {anchor.Seq} has hash {anchor.Hash[..16]}…, but {known.What} says {known.Hash[..16]}… (the heads were rewritten)");
            }

            checkAt[anchor.Seq] = (anchor.Hash, "the anchor");
        }

        // Retention removed the oldest days: the chain starts after the last record a signed retention head vouches for.
        var retained = heads.Where(h => h.Head.Reason == "retention").Select(h => h.Head).MaxBy(h => h.Seq);
        if (retained is not null && files.Count > 0 && FirstSeq(files) > 1)
        {
            expectedSeq = retained.Seq + 1;
            prev = retained.Hash;
        }

        // audit/.writers replaced by a FIFO, a link, a folder or a device: opened without blocking and never followed, so
        // it cannot hang verify, and reported, since no writer puts anything but a regular file there.
        if (options is not null && WritersMarker.Probe(auditDirectory, out var markerProblem) == WritersMarker.State.NotARegularFile)
        {
            return Fail(0, WritersMarker.FileName, null,
                $"{markerProblem}: the audit folder was tampered with — keep a copy of it as evidence, then remove {Path.Combine(auditDirectory, WritersMarker.FileName)} (writers create it again) and run verify again");
        }

        var firstSeq = expectedSeq;
        var coverIndex = 0;
        long uncoveredFrom = 0, uncoveredTo = 0, legacyUnsigned = 0;
        string? uncoveredFile = null;
        var uncoveredLine = 0;

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
                    if (problem is null && record!.Version < lastVersion)
                    {
                        problem = $"schema version {record.Version} after records of version {lastVersion} (an old-format record was inserted)";
                    }

                    if (problem is null && checkAt.TryGetValue(record!.Seq, out var signed) && signed.Hash != record.Hash)
                    {
                        problem = $"record {record.Seq} is not the one {signed.What} covers (the log was rewritten from here or earlier)";
                    }

                    if (problem is not null)
                    {
                        return Fail(expectedSeq - 1, name, number, $"{name} line {number}: {problem}");
                    }

                    if (options?.Key is not null)
                    {
                        while (coverIndex < covered.Count && covered[coverIndex].To < record!.Seq)
                        {
                            coverIndex++;
                        }

                        var isCovered = coverIndex < covered.Count && covered[coverIndex].From <= record!.Seq;
                        if (!isCovered && record!.Version < 2)
                        {
                            legacyUnsigned++; // written before signed heads existed
                        }
                        else if (!isCovered)
                        {
                            if (uncoveredFrom == 0)
                            {
                                (uncoveredFrom, uncoveredFile, uncoveredLine) = (record!.Seq, name, number);
                            }

                            uncoveredTo = record!.Seq;
                        }
                        else if (uncoveredFrom != 0)
                        {
                            return Fail(uncoveredFrom - 1, uncoveredFile, uncoveredLine,
                                $"{uncoveredFile} line {uncoveredLine}: {Range(uncoveredFrom, uncoveredTo)} no signed head although later records are signed: "
                                + "they were not written by a Stockade writer holding the audit signing key (appended by hand: forged), or their writer was killed before it could sign them"
                                + Acknowledge(uncoveredFrom, uncoveredTo)) with { UnsignedFrom = uncoveredFrom, UnsignedTo = uncoveredTo };
                        }
                    }

                    expectedSeq = record!.Seq + 1;
                    prev = record.Hash;
                    lastTs = record.Ts;
                    lastVersion = record.Version;
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

        if (options is null)
        {
            return new AuditVerifyResult { Ok = true, Records = written };
        }

        var count = written - firstSeq + 1;
        compared!.Add(files.Count == 0
            ? "audit files: none"
            : $"{files.Count} audit file(s), {Path.GetFileName(files[0].Path)} to {lastFile}: records {firstSeq}–{written} ({count}) each parsed, in canonical form, hashed to its hash, seq +1, prev linked, in the file of its day, time and schema version never going back");
        if (retained is not null)
        {
            compared.Add($"records 1–{retained.Seq} were removed by retention; the signed retention head vouches for record {retained.Seq} (hash {retained.Hash[..16]}…), which record {retained.Seq + 1}'s prev matches");
        }

        if (expectedHead is not null)
        {
            compared.Add($"stockade.db head: seq {expectedHead.Seq}, hash {expectedHead.Hash[..Math.Min(16, expectedHead.Hash.Length)]}… found in the chain");
        }
        else if (options.RequireStoreHead && count > 0)
        {
            return Fail(written, lastFile, null, $"stockade.db has no audit head although the log has {count} records: the head was removed from the store (or the store was replaced) — restore stockade.db from a backup");
        }

        UnsignedSpan? tail = null;
        if (options.Key is { } verifyKey)
        {
            var staleHead = heads.Where(h => h.Head.Seq > written).Select(h => ((AuditSignedHead, int)?)h).FirstOrDefault();
            if (staleHead is { } stale)
            {
                return Fail(written, AuditSignedHead.FileName, stale.Item2,
                    $"{AuditSignedHead.FileName} line {stale.Item2}: a signed head says record {stale.Item1.Seq} was written, but the log ends at seq {written} (the tail was cut or the newest file was deleted)");
            }

            var signedCount = count - legacyUnsigned - (uncoveredFrom == 0 ? 0 : uncoveredTo - uncoveredFrom + 1);
            if (heads.Count == 0 && count - legacyUnsigned > 0)
            {
                return Fail(written, AuditSignedHead.FileName, null,
                    $"{Path.Combine(auditDirectory, AuditSignedHead.FileName)} holds no signed head, but the log has {count - legacyUnsigned} records that need one: the heads were deleted, or the records were written without the signing key — nothing proves they are genuine");
            }

            var last = heads.Count == 0 ? null : heads.MaxBy(h => h.Head.Seq).Head;
            compared.Add($"{heads.Count} signed head(s) in {AuditSignedHead.FileName}, each signature checked with the audit signing key {verifyKey.KeyId}{(verifyKey.Path is null ? "" : " (" + verifyKey.Path + ")")}, each head's record and hash found in the chain");
            if (last is not null)
            {
                compared.Add($"last signed head: record {last.Seq} in {last.File}, signed {last.Ts:yyyy-MM-dd HH:mm:ss}Z ({last.Reason}); {signedCount} record(s) covered by the head of the writer that wrote them");
            }

            foreach (var (recovered, line) in heads.Where(h => h.Head.Reason == RecoveredReason))
            {
                foreach (var (from, to) in recovered.Ranges)
                {
                    compared.Add($"records {from}–{to} were left unsigned by a writer that stopped before signing them, and were acknowledged by an operator holding the key ({AuditSignedHead.FileName} line {line}, signed {recovered.Ts:yyyy-MM-dd HH:mm:ss}Z; the audit.unsigned_acknowledged record says who and why)");
                }
            }

            if (legacyUnsigned > 0)
            {
                compared.Add($"{legacyUnsigned} record(s) of schema version 1 were written before signed heads existed: chained, not signed");
            }

            if (uncoveredFrom != 0)
            {
                var now = options.Now ?? DateTimeOffset.UtcNow;
                var live = options.WriterOpen ? LiveHead(heads, uncoveredFrom, now) : null;
                if (live is null)
                {
                    return Fail(uncoveredFrom - 1, uncoveredFile, uncoveredLine,
                        $"{uncoveredFile} line {uncoveredLine}: {Range(uncoveredFrom, uncoveredTo)} no signed head and {WhyNoWriterWillSign(heads, uncoveredFrom, now, options.WriterOpen)}: "
                        + "they were appended without the audit signing key (forged), or their writer was killed before signing them (it signs at least every 5 s)"
                        + Acknowledge(uncoveredFrom, uncoveredTo)) with { UnsignedFrom = uncoveredFrom, UnsignedTo = uncoveredTo };
                }

                tail = new UnsignedSpan(uncoveredFrom, uncoveredTo);
                compared.Add($"unsigned tail: records {uncoveredFrom}–{uncoveredTo} ({uncoveredTo - uncoveredFrom + 1}) after the last signed head; a writer has the log open (audit/.writers is locked) "
                    + $"and its signed {live.Reason} head over record {live.Seq} is {(now - live.Ts).TotalSeconds:0.#} s old, within twice its {live.EveryMs / 1000.0:0.#} s signing interval, with no close after it: "
                    + "it signs them within seconds — verify again to have them covered");
            }
            else
            {
                compared.Add("unsigned tail: none (every record is covered by a signed head)");
            }
        }
        else
        {
            compared.Add("signed heads: not checked (no audit signing key given)");
        }

        if (options.Anchor is { } anchored)
        {
            if (written < anchored.Seq)
            {
                return Fail(written, lastFile, null, $"the log ends at seq {written}, before the anchored head's record {anchored.Seq}: records were cut since the anchor was taken");
            }

            compared.Add($"anchor: record {anchored.Seq} still has the anchored hash {anchored.Hash[..16]}… (signed {anchored.Ts:yyyy-MM-dd HH:mm:ss}Z)");
        }

        return new AuditVerifyResult
        {
            Ok = true,
            Records = written,
            Files = files.Count,
            SignedHeads = options.Key is null ? null : heads.Count,
            LastSignedHead = heads.Count == 0 ? null : heads.MaxBy(h => h.Head.Seq).Head,
            UnsignedTail = tail is null ? 0 : tail.Value.To - tail.Value.From + 1,
            Compared = compared,
        };
    }

    // Slack on top of twice a writer's signing interval: clock steps between processes, a loaded machine, fsync.
    private static readonly TimeSpan LiveSlack = TimeSpan.FromSeconds(2);

    // The newest head of a writer that may still sign records from `from` on: its last head is an open or periodic one
    // (no close after it), over a record before `from` (a head over a later record saw those records and did not write
    // them), and younger than twice its signing interval (a running writer signs a resume head before writing after an
    // idle spell, so its newest head is never older than that while records of it wait). Null when there is none.
    private static AuditSignedHead? LiveHead(List<(AuditSignedHead Head, int Line)> heads, long from, DateTimeOffset now)
    {
        var lastOfWriter = new Dictionary<string, AuditSignedHead>(StringComparer.Ordinal);
        foreach (var (head, _) in heads)
        {
            if (head.Writer is not null)
            {
                lastOfWriter[head.Writer] = head;
            }
        }

        return lastOfWriter.Values
            .Where(h => AuditSignedHead.LiveReasons.Contains(h.Reason) && h.Seq < from && IsYoung(h, now))
            .MaxBy(h => h.Ts);
    }

    private static bool IsYoung(AuditSignedHead head, DateTimeOffset now) =>
        head.EveryMs is > 0 and var every && now - head.Ts <= TimeSpan.FromMilliseconds(2 * every) + LiveSlack;

    private static string WhyNoWriterWillSign(List<(AuditSignedHead Head, int Line)> heads, long from, DateTimeOffset now, bool writerOpen)
    {
        if (!writerOpen)
        {
            return "no writer has the log open to sign them";
        }

        var newest = heads.Where(h => h.Head.Writer is not null && h.Head.Reason != RecoveredReason).Select(h => ((AuditSignedHead, int)?)h).LastOrDefault();
        if (newest is not { } last)
        {
            return "although audit/.writers is locked, no writer signed an open head before them (holding that lock proves nothing: anyone who can read it can)";
        }

        var (head, line) = last;
        if (head.Reason == "close")
        {
            return $"although audit/.writers is locked, the last signed head ({AuditSignedHead.FileName} line {line}, {head.Ts:yyyy-MM-dd HH:mm:ss}Z) closed its writer and no writer signed an open head since";
        }

        if (head.Seq >= from)
        {
            return $"although audit/.writers is locked, the newest writer's head ({AuditSignedHead.FileName} line {line}) is over record {head.Seq}: it saw them and did not write them";
        }

        return $"although audit/.writers is locked, the newest open or periodic head ({AuditSignedHead.FileName} line {line}) was signed {(now - head.Ts).TotalSeconds:0} s ago, longer than twice its writer's signing interval: no running writer stands behind them";
    }

    private static long FirstSeq(List<(DateOnly Day, string Path)> files)
    {
        foreach (var (_, path) in files)
        {
            foreach (var (_, line) in JsonlLines.Read(path))
            {
                return AuditRecordFormat.TryParseLine(line.Span, out var record, out _) ? record!.Seq : 1;
            }
        }

        return 1;
    }

    /// <summary>The reason of a head an operator signs over records left unsigned (<c>stockade audit acknowledge-tail</c>).</summary>
    internal const string RecoveredReason = "recovered";

    private static string Acknowledge(long from, long to) =>
        $" — read them (stockade audit --since …), and if they are your writer's, acknowledge them: stockade audit acknowledge-tail {from}-{to} --reason \"…\"";

    private static string Range(long from, long to) => from == to ? $"record {from} is covered by" : $"records {from}–{to} are covered by";

    private static List<(long From, long To)> Merge(List<(long From, long To)> ranges)
    {
        ranges.Sort((a, b) => a.From.CompareTo(b.From));
        var merged = new List<(long From, long To)>();
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.From <= merged[^1].To + 1)
            {
                merged[^1] = (merged[^1].From, Math.Max(merged[^1].To, range.To));
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

    private readonly record struct UnsignedSpan(long From, long To);

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
