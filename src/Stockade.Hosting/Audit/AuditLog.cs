using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>
/// The append-only, hash-chained audit log: <c>audit-YYYY-MM-DD.jsonl</c> files (UTC day), one canonical
/// JSON record a line, every record carrying the hash of the one before it, across files. Safe to use from
/// many threads, and from several processes on the same folder at once (they serialise on <c>audit/.lock</c>).
/// </summary>
/// <remarks>
/// Appends go through a bounded queue to one background writer that writes them in batches. When the queue
/// is full callers wait; records are never dropped. A failed write faults the appends it held (fail closed)
/// and raises <see cref="WriteFailed"/>.
/// </remarks>
public sealed class AuditLog : IAsyncDisposable
{
    private readonly Channel<Pending> _queue;
    private readonly AuditFileWriter _writer;
    private readonly AuditLogOptions _options;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private int _disposed;
    private long _pendingBytes;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _openMarker;
    private int _failures;

    // Characters written as themselves in a record: anything else may take up to 6 bytes (\uXXXX) in the line.
    private static readonly SearchValues<char> PlainText = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Opens (or creates) the audit log in <see cref="AuditLogOptions.Directory"/> and starts its writer.</summary>
    /// <param name="options">Folder, fsync policy, queue size.</param>
    /// <param name="head">Where the last written head is kept for verification (the SQLite store); null keeps none.</param>
    /// <param name="time">Clock for record timestamps; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Diagnostics; never throws.</param>
    public AuditLog(AuditLogOptions options, IAuditHeadStore? head = null, TimeProvider? time = null, ILogger<AuditLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _writer = new AuditFileWriter(options, head, time ?? TimeProvider.System);
        _openMarker = WritersMarker.OpenShared(_writer.Directory);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Raised on the writer thread after each record is written, in sequence order. Handlers must be quick
    /// and must not append synchronously with <see cref="Append"/> (the queue may be full); exceptions they
    /// throw are logged and ignored.
    /// </summary>
    public event EventHandler<AuditRecordWrittenEventArgs>? RecordWritten;

    /// <summary>Raised when a batch could not be written (or the head store could not be updated).</summary>
    public event EventHandler<AuditWriteFailedEventArgs>? WriteFailed;

    /// <summary>The folder this log writes to.</summary>
    public string Directory => _options.Directory;

    /// <summary>
    /// Why new brokered calls must be refused now, or null when they may go ahead: the space held ahead for records
    /// (<see cref="AuditLogOptions.ReserveBytes"/>) minus what is queued and not yet written is below
    /// <see cref="AuditLogOptions.LowReserveBytes"/>. So the broker fails secure before the disk is full, while every
    /// record already accepted still has room to land. Clears by itself once space is freed and the reserve refilled.
    /// Cheap (two reads); meant to be checked before every brokered call.
    /// </summary>
    public string? AdmissionRefusal
    {
        get
        {
            var unused = _writer.ReserveUnused;
            if (unused < 0)
            {
                return null; // unknown (not Linux): a failed write still closes the broker
            }

            var room = unused - Volatile.Read(ref _pendingBytes);
            return room >= _options.LowReserveBytes ? null : DescribeLowReserve(room);
        }
    }

    /// <summary>Records accepted and not yet written (the telemetry's queue depth).</summary>
    internal int QueueDepth => _queue.Reader.Count;

    /// <summary>Told the size and write time of each batch written (the telemetry's write latency); set by the host.</summary>
    internal Action<int, TimeSpan>? BatchWritten { get; set; }

    /// <summary>Failures of the audit log seen so far (write, fsync, head, close); the last one is in <see cref="LastFailure"/>.</summary>
    public int FailureCount => Volatile.Read(ref _failures);

    /// <summary>The last failure reported through <see cref="WriteFailed"/>, including one while closing; null when none.</summary>
    public AuditWriteException? LastFailure { get; private set; }

    /// <summary>
    /// Appends <paramref name="entry"/> and completes with the written record once it is in the file (and
    /// on disk when <see cref="AuditLogOptions.Fsync"/> is <see cref="AuditFsyncPolicy.Always"/>). Waits when
    /// the queue is full. Throws <see cref="AuditWriteException"/> when the record could not be written.
    /// Cancelling stops the wait only: a record already queued is still written.
    /// </summary>
    /// <param name="entry">What to record.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async ValueTask<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        Validate(entry);
        ThrowIfDisposed();
        var completion = new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(new Pending(entry, completion, Estimate(entry)), cancellationToken);
        return await completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Appends <paramref name="entry"/> without waiting for the write. The record is still never dropped:
    /// when the queue is full this call blocks until there is room, and everything queued is written before
    /// <see cref="DisposeAsync"/> returns. A write failure is reported through <see cref="WriteFailed"/>.
    /// </summary>
    /// <param name="entry">What to record.</param>
    public void Append(AuditEntry entry)
    {
        Validate(entry);
        ThrowIfDisposed();
        var pending = new Pending(entry, null, Estimate(entry));
        if (!TryWrite(pending))
        {
            EnqueueAsync(pending, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Puts <paramref name="entry"/> in the writer's ordered queue and completes as soon as it is there, without
    /// waiting for the write: the record gets its place (and sequence) behind everything queued before it and is
    /// never dropped (this waits while the queue is full). The returned task completes with the written record, or
    /// faults with <see cref="AuditWriteException"/> when it could not be written (after <see cref="WriteFailed"/>
    /// was raised). For callers that must not act before their record is sequenced, but need not wait for the disk.
    /// </summary>
    /// <param name="entry">What to record.</param>
    internal ValueTask<Task<AuditRecord>> QueueAsync(AuditEntry entry)
    {
        Validate(entry);
        ThrowIfDisposed();
        var completion = new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = new Pending(entry, completion, Estimate(entry));
        return TryWrite(pending) ? new ValueTask<Task<AuditRecord>>(completion.Task) : WhenQueuedAsync(pending, completion.Task);
    }

    /// <summary>Completes when everything queued before the call is written and forced to disk (unless the policy is <see cref="AuditFsyncPolicy.Never"/>).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var completion = new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(new Pending(null, completion, 0), cancellationToken);
        await completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Writes everything still queued, signs the closing head, forces it to disk, and stops the writer. Never throws for
    /// the audit's sake: a failure here is logged, raised through <see cref="WriteFailed"/> and kept in
    /// <see cref="LastFailure"/>, so a host can always finish shutting down.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RaiseFailed(ex as AuditWriteException ?? new AuditWriteException($"the audit writer in {_options.Directory} stopped with an error: {ex.Message}", ex), 0);
        }
        finally
        {
            _openMarker?.Dispose();
            _openMarker = null;
        }
    }

    /// <summary>
    /// Whether some audit writer (a host, a CLI command) has <paramref name="auditDirectory"/> open now: each holds a
    /// shared lock on <c>audit/.writers</c> while open. <c>verify</c> uses it to tell records still waiting for their
    /// writer's next signed head from records nobody will sign.
    /// </summary>
    /// <param name="auditDirectory">The audit folder.</param>
    /// <remarks>
    /// Fails closed: false when the marker cannot be opened or locked (permissions), or is not a regular file (a FIFO put
    /// there is opened without blocking and refused). Holding the lock proves nothing on its own — anyone who can read the
    /// marker can take a shared lock — so <c>verify</c> also requires a live signed <c>open</c> or periodic head.
    /// </remarks>
    public static bool IsOpenByAWriter(string auditDirectory)
    {
        ArgumentNullException.ThrowIfNull(auditDirectory);
        return WritersMarker.Probe(auditDirectory, out _) == WritersMarker.State.WriterOpen;
    }

    /// <summary>Like <see cref="IsOpenByAWriter"/>, saying why the marker could not be used when that is the answer.</summary>
    internal static WritersMarker.State ProbeWriters(string auditDirectory, out string? problem) => WritersMarker.Probe(auditDirectory, out problem);

    // True when no other writer has the folder open: only then is the space held ahead given back on close.
    private bool Alone()
    {
        _openMarker?.Dispose();
        _openMarker = null;
        return WritersMarker.Probe(_writer.Directory, out _) == WritersMarker.State.NoWriter;
    }

    private bool TryWrite(Pending pending)
    {
        Interlocked.Add(ref _pendingBytes, pending.Bytes);
        if (_queue.Writer.TryWrite(pending))
        {
            return true;
        }

        Interlocked.Add(ref _pendingBytes, -pending.Bytes);
        return false;
    }

    private async ValueTask EnqueueAsync(Pending pending, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _pendingBytes, pending.Bytes);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Add(ref _pendingBytes, -pending.Bytes);
            throw new ObjectDisposedException(nameof(AuditLog), "The audit log was disposed; open a new AuditLog to append.");
        }
        catch
        {
            Interlocked.Add(ref _pendingBytes, -pending.Bytes);
            throw;
        }
    }

    // An upper bound of the line a record will take: what AdmissionRefusal counts as already promised.
    private static long Estimate(AuditEntry entry)
    {
        var bytes = 400L + Size(entry.Action) + Size(entry.Plugin) + Size(entry.Permission) + Size(entry.Resource) + 16;
        if (entry.Details is { Count: > 0 } details)
        {
            foreach (var (key, value) in details)
            {
                bytes += Size(key) + Size(value) + 20;
            }
        }

        return bytes;

        static long Size(string? text) => text is null ? 0 : text.AsSpan().ContainsAnyExcept(PlainText) ? 6L * text.Length : text.Length;
    }

    private string DescribeLowReserve(long room) =>
        $"the audit disk is nearly full: {Math.Max(0, room) / 1024} KiB are left of the {_options.ReserveBytes / 1024} KiB held for audit records in {_options.Directory}, "
        + $"and brokered calls are refused below {_options.LowReserveBytes / 1024} KiB so that every call performed has room for its record — free space on that disk; calls are accepted again once the reserve is refilled";

    private async ValueTask<Task<AuditRecord>> WhenQueuedAsync(Pending pending, Task<AuditRecord> written)
    {
        await EnqueueAsync(pending, CancellationToken.None);
        return written;
    }

    // Misuse is rejected at the call site so that one bad entry can never fail a batch of good ones.
    private static void Validate(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Action, nameof(entry));
        if (!Enum.IsDefined(entry.Decision) || !Enum.IsDefined(entry.Layer))
        {
            throw new ArgumentException($"AuditEntry has an undefined decision ({(int)entry.Decision}) or layer ({(int)entry.Layer}).", nameof(entry));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_options.MaxBatchSize);
        var entries = new List<AuditEntry>(_options.MaxBatchSize);
        try
        {
            while (await WaitForWorkAsync(reader))
            {
                var flushRequested = false;
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                    if (pending.Entry is null)
                    {
                        flushRequested = true;
                        break; // write what came before the flush marker, then answer it
                    }
                }

                WriteBatch(batch, entries, flushRequested);
                batch.Clear();
                entries.Clear();
            }
        }
        finally
        {
            try
            {
                _writer.SignCloseHead(); // also when the last head covered everything: says this writer is gone
            }
            catch (Exception ex)
            {
                RaiseFailed(ex as AuditWriteException ?? new AuditWriteException($"cannot sign the closing audit head in {_options.Directory}: {ex.Message}", ex), 0);
            }

            try
            {
                _writer.Close(Alone);
            }
            catch (Exception ex)
            {
                Log.FinalFsyncFailed(_logger, ex, _options.Directory);
                RaiseFailed(new AuditWriteException($"cannot force the audit log in {_options.Directory} to disk on close: {ex.Message}", ex), 0);
            }

            // Whatever is still queued was accepted after the writer stopped (it cannot be, but never leave a caller waiting).
            while (reader.TryRead(out var late))
            {
                late.Completion?.TrySetException(new AuditWriteException($"the audit log in {_options.Directory} was closed before this record could be written"));
            }
        }
    }

    // Waits for the next append; also wakes up to fsync what is unsynced (Interval policy), to sign a head over what
    // waited HeadInterval, and to try refilling the reserve while brokered calls are refused for want of it.
    private async ValueTask<bool> WaitForWorkAsync(ChannelReader<Pending> reader)
    {
        while (true)
        {
            var fsyncDue = _writer.Dirty && _options.Fsync == AuditFsyncPolicy.Interval ? _options.FsyncInterval - _writer.SinceLastFsync : (TimeSpan?)null;
            var headDue = _writer.UnsignedRecords > 0 && _options.SignHeads && _writer.SigningProblem is null ? _options.HeadInterval - _writer.SinceFirstUnsigned : (TimeSpan?)null;
            var reserveDue = AdmissionRefusal is not null ? TimeSpan.FromSeconds(1) : (TimeSpan?)null;
            var wait = Min(Min(fsyncDue, headDue), reserveDue);
            if (wait is null)
            {
                return await reader.WaitToReadAsync();
            }

            if (wait > TimeSpan.Zero)
            {
                using var timeout = new CancellationTokenSource(wait.Value);
                try
                {
                    return await reader.WaitToReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    // nothing new in time: the timed work below
                }
            }

            if (_writer.Dirty && _options.Fsync == AuditFsyncPolicy.Interval && _writer.SinceLastFsync >= _options.FsyncInterval)
            {
                try
                {
                    _writer.FsyncCurrent();
                }
                catch (IOException ex)
                {
                    RaiseFailed(new AuditWriteException($"cannot force the audit log in {_options.Directory} to disk: {ex.Message}", ex), 0);
                }
            }

            if (headDue is not null && _writer.SinceFirstUnsigned >= _options.HeadInterval)
            {
                try
                {
                    _writer.SignHead("interval");
                }
                catch (Exception ex)
                {
                    RaiseFailed(ex as AuditWriteException ?? new AuditWriteException($"cannot sign the audit head in {_options.Directory}: {ex.Message}", ex), 0);
                }
            }

            if (reserveDue is not null)
            {
                _writer.MaintainReserve();
            }
        }

        static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
    }

    private void WriteBatch(List<Pending> batch, List<AuditEntry> entries, bool flushRequested)
    {
        foreach (var pending in batch)
        {
            if (pending.Entry is not null)
            {
                entries.Add(pending.Entry);
            }
        }

        List<AuditRecord> records;
        Exception? headError = null;
        long bytes = 0;
        foreach (var pending in batch)
        {
            bytes += pending.Bytes;
        }

        var writeStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            records = entries.Count == 0 && !flushRequested ? [] : _writer.WriteBatch(entries, flushRequested, out headError);
        }
        catch (Exception caught)
        {
            // Any failure at all (the folder removed, the lock refused, a bug) faults the batch: never leave callers waiting.
            Interlocked.Add(ref _pendingBytes, -bytes);
            var ex = caught as AuditWriteException ?? new AuditWriteException($"cannot write the audit log in {_options.Directory}: {caught.Message} — free space or fix permissions there; actions that need auditing are refused until it can be written", caught);
            // Tell listeners first: a caller that sees its append fault can count on the event having been raised.
            RaiseFailed(ex, entries.Count);
            foreach (var pending in batch)
            {
                pending.Completion?.TrySetException(ex);
            }

            return;
        }

        Interlocked.Add(ref _pendingBytes, -bytes);
        BatchWritten?.Invoke(entries.Count, System.Diagnostics.Stopwatch.GetElapsedTime(writeStarted));
        if (headError is not null)
        {
            RaiseFailed(new AuditWriteException($"the audit records were written, but the audit head could not be saved: {headError.Message} — `stockade audit verify` cannot detect a cut tail until the next successful write", headError), 0);
        }

        var index = 0;
        foreach (var pending in batch)
        {
            if (pending.Entry is null)
            {
                pending.Completion?.TrySetResult(null!);
                continue;
            }

            var record = records[index++];
            pending.Completion?.TrySetResult(record);
            var handlers = RecordWritten;
            if (handlers is not null)
            {
                try
                {
                    handlers(this, new AuditRecordWrittenEventArgs(record));
                }
                catch (Exception ex)
                {
                    Log.ListenerFailed(_logger, ex, record.Seq);
                }
            }
        }
    }

    private void RaiseFailed(AuditWriteException exception, int recordsLost)
    {
        LastFailure = exception;
        Interlocked.Increment(ref _failures);
        Log.WriteFailed(_logger, exception, recordsLost, _options.Directory);
        try
        {
            WriteFailed?.Invoke(this, new AuditWriteFailedEventArgs(exception, recordsLost));
        }
        catch (Exception ex)
        {
            Log.ListenerFailed(_logger, ex, -1);
        }
    }

    private readonly record struct Pending(AuditEntry? Entry, TaskCompletionSource<AuditRecord>? Completion, long Bytes);
}
