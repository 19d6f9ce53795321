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
        await EnqueueAsync(new Pending(entry, completion), cancellationToken);
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
        var pending = new Pending(entry, null);
        if (!_queue.Writer.TryWrite(pending))
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
        var pending = new Pending(entry, completion);
        return _queue.Writer.TryWrite(pending) ? new ValueTask<Task<AuditRecord>>(completion.Task) : WhenQueuedAsync(pending, completion.Task);
    }

    /// <summary>Completes when everything queued before the call is written and forced to disk (unless the policy is <see cref="AuditFsyncPolicy.Never"/>).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var completion = new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(new Pending(null, completion), cancellationToken);
        await completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes everything still queued, forces it to disk, and stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _loop;
    }

    private async ValueTask EnqueueAsync(Pending pending, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(AuditLog), "The audit log was disposed; open a new AuditLog to append.");
        }
    }

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
                _writer.Dispose();
            }
            catch (IOException ex)
            {
                Log.FinalFsyncFailed(_logger, ex, _options.Directory);
            }
        }
    }

    // Waits for the next append; under the Interval policy also wakes up to fsync what is still unsynced.
    private async ValueTask<bool> WaitForWorkAsync(ChannelReader<Pending> reader)
    {
        while (true)
        {
            if (!_writer.Dirty || _options.Fsync != AuditFsyncPolicy.Interval)
            {
                return await reader.WaitToReadAsync();
            }

            var remaining = _options.FsyncInterval - _writer.SinceLastFsync;
            if (remaining > TimeSpan.Zero)
            {
                using var timeout = new CancellationTokenSource(remaining);
                try
                {
                    return await reader.WaitToReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    // interval elapsed with nothing new: sync below
                }
            }

            try
            {
                _writer.FsyncCurrent();
            }
            catch (IOException ex)
            {
                RaiseFailed(new AuditWriteException($"cannot force the audit log in {_options.Directory} to disk: {ex.Message}", ex), 0);
            }
        }
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
        try
        {
            records = entries.Count == 0 && !flushRequested ? [] : _writer.WriteBatch(entries, flushRequested, out headError);
        }
        catch (AuditWriteException ex)
        {
            // Tell listeners first: a caller that sees its append fault can count on the event having been raised.
            RaiseFailed(ex, entries.Count);
            foreach (var pending in batch)
            {
                pending.Completion?.TrySetException(ex);
            }

            return;
        }

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

    private readonly record struct Pending(AuditEntry? Entry, TaskCompletionSource<AuditRecord>? Completion);
}
