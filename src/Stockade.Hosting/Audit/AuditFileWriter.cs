using System.Buffers;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>
/// Writes batches of entries to the daily files under the inter-process lock. Used only by the
/// <see cref="AuditLog"/> background loop, so it needs no locking of its own.
/// </summary>
internal sealed class AuditFileWriter : IDisposable
{
    private const long HeadsReserveBytes = 64 * 1024; // ~250 heads, i.e. 20 minutes of heads every 5 s on a disk that stays full

    private readonly string _directory;
    private readonly string _lockPath;
    private readonly IAuditHeadStore? _headStore;
    private readonly TimeProvider _time;
    private readonly AuditLogOptions _options;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);

    // What this writer last wrote: if the newest file still has this length and mtime, no other process
    // appended since, and the head below is current without reading the file.
    private string? _currentPath;
    private SafeFileHandle? _currentHandle;
    private long _knownLength = -1;
    private DateTime _knownMtime;
    private long _headSeq;
    private string _headHash = AuditRecordFormat.GenesisHash;
    private DateTimeOffset _headTs = DateTimeOffset.MinValue;
    private long _lastFsync = Stopwatch.GetTimestamp();
    private long _writeOffset = -1;
    private string? _headFile;

    // Space held ahead (see AuditSpace): published for AuditLog.AdmissionRefusal; -1 when unknown.
    private long _reserveUnused;
    private bool _cannotReserve;

    // What this writer wrote since its last signed head.
    private readonly List<(long From, long To)> _ranges = [];
    private long _unsignedRecords;
    private long _firstUnsignedAt;
    private AuditSigningKey? _key;
    private bool _keyTried;
    private bool _headsReserved;
    private DateOnly _retainedOn;

    // This writer's id in its signed heads, whether it signed its open head, and when it signed its last head.
    private readonly string _writerId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private bool _opened;
    private long _lastHeadAt;

    public AuditFileWriter(AuditLogOptions options, IAuditHeadStore? headStore, TimeProvider time)
    {
        _options = options;
        _directory = Path.GetFullPath(options.Directory);
        _lockPath = Path.Combine(_directory, AuditFiles.LockFileName);
        _headStore = headStore;
        _time = time;
        System.IO.Directory.CreateDirectory(_directory);
        _reserveUnused = AuditSpace.FreeBytes(_directory); // nothing held yet: what the disk has is the best guess
    }

    /// <summary>The audit folder (full path).</summary>
    public string Directory => _directory;

    /// <summary>Space held for records not yet written (or free on the disk where nothing can be held), -1 when unknown.</summary>
    public long ReserveUnused => Volatile.Read(ref _reserveUnused);

    /// <summary>Records this writer wrote that no signed head covers yet.</summary>
    public long UnsignedRecords => _unsignedRecords;

    /// <summary>How long the oldest unsigned record has waited for its head.</summary>
    public TimeSpan SinceFirstUnsigned => _unsignedRecords == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_firstUnsignedAt);

    /// <summary>Why heads cannot be signed, once the key was tried and failed.</summary>
    public string? SigningProblem { get; private set; }

    /// <summary>True when records were written but not yet forced to disk.</summary>
    public bool Dirty { get; private set; }

    public TimeSpan SinceLastFsync => Stopwatch.GetElapsedTime(_lastFsync);

    /// <summary>
    /// Writes <paramref name="entries"/> in order and returns the records. Throws <see cref="AuditWriteException"/>
    /// when nothing was written; <paramref name="headError"/> reports a head store failure after a good write.
    /// </summary>
    public List<AuditRecord> WriteBatch(IReadOnlyList<AuditEntry> entries, bool forceFsync, out Exception? headError)
    {
        headError = null;
        using var fileLock = AcquireLock();
        var records = new List<AuditRecord>(entries.Count);
        _writeOffset = -1;
        try
        {
            RefreshHead();
            try
            {
                ApplyRetention();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AuditWriteException)
            {
                // Removing old days is housekeeping: it must never cost a record. Tried again at the next day change.
            }

            if (entries.Count > 0)
            {
                headError = SignLiveHead();
            }

            var seq = _headSeq;
            var prev = _headHash;
            var lastTs = _headTs;
            _buffer.ResetWrittenCount();
            DateOnly? bufferDay = null;
            foreach (var entry in entries)
            {
                var now = _time.GetUtcNow();
                var ts = now > lastTs ? now : lastTs; // seq is authoritative, but keep time non-decreasing too
                var day = DateOnly.FromDateTime(ts.UtcDateTime);
                if (bufferDay is { } current && current != day)
                {
                    Flush(current);
                }

                bufferDay = day;
                var record = AuditRecordFormat.Create(seq + 1, ts, entry, prev, _buffer);
                records.Add(record);
                seq = record.Seq;
                prev = record.Hash;
                lastTs = record.Ts;
            }

            if (bufferDay is { } last)
            {
                Flush(last);
            }

            if (_options.Fsync == AuditFsyncPolicy.Always || (forceFsync && _options.Fsync != AuditFsyncPolicy.Never))
            {
                FsyncCurrent();
            }

            if (records.Count > 0)
            {
                if (_ranges.Count > 0 && _ranges[^1].To == records[0].Seq - 1)
                {
                    _ranges[^1] = (_ranges[^1].From, seq);
                }
                else
                {
                    _ranges.Add((records[0].Seq, seq));
                }

                if (_unsignedRecords == 0)
                {
                    _firstUnsignedAt = Stopwatch.GetTimestamp();
                }

                _unsignedRecords += records.Count;
                _headFile = _currentPath is null ? null : Path.GetFileName(_currentPath);
            }

            _headSeq = seq;
            _headHash = prev;
            _headTs = lastTs;
        }
        catch (Exception ex) when (ex is not AuditWriteException)
        {
            // Any failure (I/O, or the head store unreadable) faults the whole batch; never leave callers waiting.
            UndoPartialWrite();
            throw new AuditWriteException(
                $"cannot write the audit log in {_directory}: {ex.Message} — free space or fix permissions there; actions that need auditing are refused until it can be written",
                ex);
        }

        MaintainReserve();
        if (records.Count > 0 && _unsignedRecords >= _options.HeadEveryRecords)
        {
            try
            {
                SignHeadLocked("records");
            }
            catch (AuditWriteException ex)
            {
                headError ??= ex;
            }
        }

        if (records.Count > 0 && _headStore is not null)
        {
            try
            {
                _headStore.Write(new AuditHead(_headSeq, _headHash));
            }
            catch (Exception ex)
            {
                headError ??= ex;
            }
        }

        return records;
    }

    public void FsyncCurrent()
    {
        if (_currentHandle is not null && Dirty)
        {
            RandomAccess.FlushToDisk(_currentHandle);
        }

        Dirty = false;
        _lastFsync = Stopwatch.GetTimestamp();
    }

    public void Dispose() => Close(null);

    /// <summary>
    /// Forces what was written to disk and closes the file; when <paramref name="alone"/> says no other writer has the
    /// folder open, gives back the space held ahead. Throws only <see cref="IOException"/> of the final fsync.
    /// </summary>
    public void Close(Func<bool>? alone)
    {
        try
        {
            if (_options.Fsync != AuditFsyncPolicy.Never)
            {
                FsyncCurrent();
            }
        }
        finally
        {
            if (_currentHandle is not null && alone is not null && alone())
            {
                ReleaseReserve(_currentHandle);
                try
                {
                    using var heads = File.OpenHandle(Path.Combine(_directory, AuditSignedHead.FileName), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                    ReleaseReserve(heads);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // no heads file: nothing held
                }
            }

            _currentHandle?.Dispose();
            _currentHandle = null;
        }
    }

    /// <summary>Signs a head over what this writer wrote since its last one, taking the lock; nothing when there is nothing new.</summary>
    public void SignHead(string reason)
    {
        if (_unsignedRecords == 0 || !EnsureKey())
        {
            return;
        }

        using var fileLock = AcquireLock();
        SignHeadLocked(reason);
    }

    /// <summary>
    /// Signs the <c>close</c> head of a writer that signed an <c>open</c> one (also when it has nothing new to cover), so
    /// <c>verify</c> knows records after it cannot be waiting for this writer.
    /// </summary>
    public void SignCloseHead()
    {
        if ((!_opened && _unsignedRecords == 0) || !EnsureKey())
        {
            return;
        }

        using var fileLock = AcquireLock();
        SignHeadLocked("close", force: _opened);
        _opened = false;
    }

    // Before this writer's first records it signs an `open` head over the chain as it finds it; before records written
    // after an idle spell (its last head older than HeadInterval) a `resume` head. So whenever this writer has records
    // waiting for their head, its newest head is at most about HeadInterval older than the oldest of them, and verify
    // can tell a live writer's tail (a recent open or periodic head, no close after it) from records nobody will sign.
    // Under the lock, after RefreshHead. A failure is reported (the records still matter more) and tried again next batch.
    private AuditWriteException? SignLiveHead()
    {
        if (!_options.SignHeads || _unsignedRecords > 0 || (_opened && Stopwatch.GetElapsedTime(_lastHeadAt) < _options.HeadInterval) || !EnsureKey())
        {
            return null;
        }

        try
        {
            _headFile ??= _currentPath is null ? null : Path.GetFileName(_currentPath);
            SignHeadLocked(_opened ? "resume" : "open", force: true);
            _opened = true;
            return null;
        }
        catch (AuditWriteException ex)
        {
            return ex;
        }
    }

    /// <summary>Tops the reserve up when more than 1 MiB of it was used, and publishes what is held.</summary>
    public void MaintainReserve()
    {
        try
        {
            if (_currentHandle is null || _cannotReserve)
            {
                Volatile.Write(ref _reserveUnused, AuditSpace.FreeBytes(_directory));
                return;
            }

            if (!_headsReserved && _options.SignHeads)
            {
                // Signed heads need room as much as records do: hold some for heads.jsonl from the first write on.
                _headsReserved = true;
                using var heads = File.OpenHandle(Path.Combine(_directory, AuditSignedHead.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                if (AuditSpace.HeldBeyondEnd(heads) is >= 0 and < HeadsReserveBytes / 2)
                {
                    AuditSpace.Reserve(heads, RandomAccess.GetLength(heads), HeadsReserveBytes);
                }
            }

            var held = AuditSpace.HeldBeyondEnd(_currentHandle);
            if (held >= 0 && held < _options.ReserveBytes - Math.Min(1024 * 1024, _options.ReserveBytes / 4))
            {
                var result = AuditSpace.Reserve(_currentHandle, RandomAccess.GetLength(_currentHandle), _options.ReserveBytes);
                if (result == AuditSpace.ReserveResult.NotSupported)
                {
                    _cannotReserve = true; // e.g. a file system without fallocate: fall back to watching free space
                    Volatile.Write(ref _reserveUnused, AuditSpace.FreeBytes(_directory));
                    return;
                }

                held = AuditSpace.HeldBeyondEnd(_currentHandle);
            }

            Volatile.Write(ref _reserveUnused, held);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Volatile.Write(ref _reserveUnused, 0); // cannot tell: refuse rather than guess
        }
    }

    // Removes the days older than RetentionDays, once a signed retention head vouches for the last record removed.
    private void ApplyRetention()
    {
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        if (_options.RetentionDays is not { } days || _retainedOn == today || !EnsureKey())
        {
            return;
        }

        _retainedOn = today;
        var files = AuditFiles.List(_directory);
        var cutoff = today.AddDays(-(days - 1));
        var old = files.Where(f => f.Day < cutoff).ToList();
        if (old.Count == 0)
        {
            return; // the chain carries on from the head in memory (and in the store) into today's file
        }

        AuditRecord? last = null;
        for (var i = old.Count - 1; last is null && i >= 0; i--)
        {
            (last, _) = AuditFiles.ReadTail(old[i].Path);
        }

        if (last is not null)
        {
            var saved = (_ranges.ToList(), _unsignedRecords, _headSeq, _headHash, _headFile);
            _ranges.Clear();
            _unsignedRecords = 1; // SignHeadLocked signs only when something is pending
            (_headSeq, _headHash, _headFile) = (last.Seq, last.Hash, Path.GetFileName(old[^1].Path));
            try
            {
                SignHeadLocked("retention");
            }
            finally
            {
                _ranges.Clear();
                _ranges.AddRange(saved.Item1);
                (_unsignedRecords, _headSeq, _headHash, _headFile) = (saved._unsignedRecords, saved._headSeq, saved._headHash, saved._headFile);
            }
        }

        foreach (var (_, path) in old)
        {
            File.Delete(path);
        }
    }

    private static void ReleaseReserve(SafeFileHandle handle)
    {
        try
        {
            var held = AuditSpace.HeldBeyondEnd(handle);
            if (held > 0)
            {
                AuditSpace.Release(handle, RandomAccess.GetLength(handle), held + (64 * 1024));
            }
        }
        catch (IOException)
        {
            // Giving space back is a courtesy; the records are what matters.
        }
    }

    private bool EnsureKey()
    {
        if (_key is not null || !_options.SignHeads)
        {
            return _key is not null;
        }

        if (_options.SigningKey is { } given)
        {
            _key = given.CanSign ? given : null;
            SigningProblem = given.CanSign ? null : "AuditLogOptions.SigningKey holds only a public key";
            return _key is not null;
        }

        if (_keyTried)
        {
            return false;
        }

        _keyTried = true;
        try
        {
            _key = AuditSigningKey.LoadOrCreate(_options.SigningKeyPath ?? AuditSigningKey.DefaultPath);
            return true;
        }
        catch (AuditWriteException ex)
        {
            SigningProblem = ex.Message;
            return false;
        }
    }

    private void SignHeadLocked(string reason, bool force = false)
    {
        if ((_unsignedRecords == 0 && !force) || !EnsureKey())
        {
            return;
        }

        try
        {
            if (_options.Fsync != AuditFsyncPolicy.Never)
            {
                FsyncCurrent(); // never sign what a power cut could still take back
            }

            var head = AuditSignedHead.Create(_headSeq, _headHash, _headFile ?? string.Empty, _time.GetUtcNow(), reason, [.. _ranges], _key!, _writerId, (long)_options.HeadInterval.TotalMilliseconds);
            var path = Path.Combine(_directory, AuditSignedHead.FileName);
            using (var heads = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
                var length = RandomAccess.GetLength(heads);
                if (AuditSpace.HeldBeyondEnd(heads) is >= 0 and < HeadsReserveBytes / 2)
                {
                    AuditSpace.Reserve(heads, length, HeadsReserveBytes); // on a full disk what is still held serves, then the write below fails
                }

                var line = System.Text.Encoding.UTF8.GetBytes(head.ToLine() + "\n");
                try
                {
                    RandomAccess.Write(heads, line, length);
                    if (_options.Fsync != AuditFsyncPolicy.Never)
                    {
                        RandomAccess.FlushToDisk(heads);
                    }
                }
                catch (IOException)
                {
                    RandomAccess.SetLength(heads, length);
                    throw;
                }
            }

            _ranges.Clear();
            _unsignedRecords = 0;
            _lastHeadAt = Stopwatch.GetTimestamp();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditWriteException($"cannot write the signed audit head in {_directory}: {ex.Message} — free space or fix permissions there; records since the last head stay unsigned until it can be written", ex);
        }
    }

    /// <summary>
    /// Appends a head an operator signed (<see cref="AuditVerifier.RecoveredReason"/>) to <c>heads.jsonl</c> under the audit
    /// lock, so it never interleaves with a running writer's heads, and forces it to disk.
    /// </summary>
    public static void AppendOperatorHead(string directory, AuditSignedHead head, TimeSpan lockTimeout)
    {
        using var fileLock = AcquireLock(Path.Combine(directory, AuditFiles.LockFileName), lockTimeout);
        var path = Path.Combine(directory, AuditSignedHead.FileName);
        try
        {
            using var heads = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(heads);
            var line = System.Text.Encoding.UTF8.GetBytes(head.ToLine() + "\n");
            try
            {
                RandomAccess.Write(heads, line, length);
                RandomAccess.FlushToDisk(heads);
            }
            catch (IOException)
            {
                RandomAccess.SetLength(heads, length);
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditWriteException($"cannot write the signed audit head in {directory}: {ex.Message} — free space or fix permissions there, then acknowledge again", ex);
        }
    }

    private FileStream AcquireLock() => AcquireLock(_lockPath, _options.LockTimeout);

    private static FileStream AcquireLock(string lockPath, TimeSpan lockTimeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(lockTimeout.TotalSeconds * Stopwatch.Frequency);
        var delay = 1;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive flock(2) on Unix: held against other processes and other
                // open handles in this one; released when the stream is disposed or the process dies.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new AuditWriteException(
                        $"the audit lock {lockPath} stayed taken for {lockTimeout.TotalSeconds:0.#} s — another stockade process is stuck writing; stop it or raise AuditLogOptions.LockTimeout",
                        ex);
                }

                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 20);
            }
        }
    }

    private void RefreshHead()
    {
        var files = AuditFiles.List(_directory);
        if (files.Count == 0)
        {
            CloseCurrent();
            var stored = _headStore?.Read();
            (_headSeq, _headHash, _headTs) = stored is null ? (0L, AuditRecordFormat.GenesisHash, DateTimeOffset.MinValue) : (stored.Seq, stored.Hash, DateTimeOffset.MinValue);
            return;
        }

        var newest = files[^1].Path;
        if (newest == _currentPath && _currentHandle is not null
            && RandomAccess.GetLength(_currentHandle) == _knownLength
            && File.GetLastWriteTimeUtc(_currentHandle) == _knownMtime)
        {
            return;
        }

        // Another process wrote since (or this is the first batch): the tail of the newest file is the truth.
        // Walk back over files left empty (a failed first write of a day) to the last record.
        var (last, endsWithNewline) = AuditFiles.ReadTail(newest);
        for (var i = files.Count - 2; last is null && i >= 0; i--)
        {
            (last, _) = AuditFiles.ReadTail(files[i].Path);
        }

        if (last is not null)
        {
            (_headSeq, _headHash, _headTs) = (last.Seq, last.Hash, last.Ts);
        }
        else
        {
            var stored = _headStore?.Read();
            (_headSeq, _headHash, _headTs) = stored is null ? (0L, AuditRecordFormat.GenesisHash, DateTimeOffset.MinValue) : (stored.Seq, stored.Hash, DateTimeOffset.MinValue);
        }

        OpenCurrent(newest);
        if (!endsWithNewline)
        {
            // A writer died mid-line. Keep the torn line (verify reports it) but start ours on a fresh line.
            var length = RandomAccess.GetLength(_currentHandle!);
            RandomAccess.Write(_currentHandle!, "\n"u8, length);
        }
    }

    private void Flush(DateOnly day)
    {
        var path = Path.Combine(_directory, AuditFiles.FileName(day));
        if (path != _currentPath)
        {
            OpenCurrent(path);
        }

        var handle = _currentHandle!;
        var offset = RandomAccess.GetLength(handle);
        _writeOffset = offset;
        RandomAccess.Write(handle, _buffer.WrittenSpan, offset);
        _knownLength = offset + _buffer.WrittenCount;
        _knownMtime = File.GetLastWriteTimeUtc(handle);
        _buffer.ResetWrittenCount();
        Dirty = true;
    }

    private void OpenCurrent(string path)
    {
        if (path == _currentPath && _currentHandle is not null)
        {
            return;
        }

        if (Dirty && _options.Fsync != AuditFsyncPolicy.Never)
        {
            FsyncCurrent(); // the previous day's file is complete: make it durable before moving on
        }

        var previous = _currentHandle;
        _currentHandle = null;
        CloseCurrent();
        try
        {
            _currentHandle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            _currentPath = path;

            // A new day's file gets its reserve before the first record is written to it. On a full disk the previous
            // file's unused reserve is given back first, so it moves along instead of being lost to the day change.
            if (!_cannotReserve && AuditSpace.HeldBeyondEnd(_currentHandle) is >= 0 and var held && held < _options.ReserveBytes / 2)
            {
                var length = RandomAccess.GetLength(_currentHandle);
                var result = AuditSpace.Reserve(_currentHandle, length, _options.ReserveBytes);
                if (result == AuditSpace.ReserveResult.NoSpace && previous is not null)
                {
                    ReleaseReserve(previous);
                    previous.Dispose();
                    previous = null;
                    AuditSpace.Reserve(_currentHandle, length, _options.ReserveBytes);
                }
            }
        }
        finally
        {
            if (previous is not null)
            {
                ReleaseReserve(previous); // yesterday's file is complete
                previous.Dispose();
            }
        }
    }

    private void CloseCurrent()
    {
        _currentHandle?.Dispose();
        _currentHandle = null;
        _currentPath = null;
        _knownLength = -1;
    }

    private void UndoPartialWrite()
    {
        // Only the file written last can hold a partial batch; cut it back so the chain stays intact.
        try
        {
            if (_writeOffset >= 0 && _currentHandle is not null)
            {
                RandomAccess.SetLength(_currentHandle, _writeOffset);
            }
        }
        catch (IOException)
        {
            // The disk is failing; the verifier will report the torn line. The original error is what the caller sees.
        }

        CloseCurrent();
    }
}
