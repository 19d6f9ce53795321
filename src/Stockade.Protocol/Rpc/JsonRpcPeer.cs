using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

namespace Stockade.Protocol;

/// <summary>
/// One end of a JSON-RPC 2.0 connection over framed streams; the host uses it to talk to a worker and the worker to
/// talk to the host. Incoming requests run concurrently (at most <see cref="ProtocolLimits.MaxInFlight"/>), outgoing
/// calls are correlated by id, and writes are serialised: the thread that sends a message writes it itself when nobody
/// else is writing, otherwise it is queued and the writer in charge writes it in its batch.
/// </summary>
/// <remarks>
/// Everything the other side sends is validated; hostile input never throws out of the reading loop. On the first
/// protocol violation the peer raises <see cref="ProtocolViolated"/> once, fails every pending call and closes.
/// The peer owns both streams and disposes them when it closes (with <see cref="JsonRpcReadMode.DedicatedThreads"/>, the
/// input once the blocking read pending at that moment has returned).
/// </remarks>
internal sealed partial class JsonRpcPeer : IAsyncDisposable
{
    // Read by whichever thread holds the writer flag, one at a time but not always the same thread.
    private static readonly UnboundedChannelOptions OutboxOptions = new() { SingleReader = false };

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly ProtocolLimits _limits;
    private readonly IJsonRpcHandler _handler;
    private readonly PeerByteBudget? _budget;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly JsonDocumentOptions _documentOptions;
    private readonly Channel<PooledBufferWriter> _outbox = Channel.CreateUnbounded<PooledBufferWriter>(OutboxOptions);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<long, byte> _abandoned = new();
    private readonly ConcurrentDictionary<string, IncomingCall> _incoming = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _outgoingSlots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private int _incomingInFlight;
    private int _started;
    private int _writing;
    private int _finished;
    private string? _violation;
    private Delivery _delivery;
    private IncomingRequest _request;
    private Exception? _closeReason;

    /// <summary>Creates a peer reading frames from <paramref name="input"/> and writing frames to <paramref name="output"/>.</summary>
    /// <param name="input">Stream of incoming frames (e.g. the worker's stdout, seen from the host).</param>
    /// <param name="output">Stream for outgoing frames.</param>
    /// <param name="limits">Limits applied to what the other side sends; <see langword="null"/> for <see cref="ProtocolLimits.Default"/>.</param>
    /// <param name="handler">Answers incoming requests and notifications.</param>
    public JsonRpcPeer(Stream input, Stream output, ProtocolLimits? limits, IJsonRpcHandler handler)
        : this(input, output, limits, handler, budget: null)
    {
    }

    /// <summary>
    /// Creates a peer whose bytes held for the other side — frames being read, requests being answered, answers the other
    /// side has not read yet — are counted in <paramref name="budget"/>; passing it is a protocol violation (docs/protocol.md,
    /// "Byte budgets"). A host gives each worker's peer its own budget, drawing on one host-wide <see cref="ByteBudget"/>.
    /// </summary>
    /// <inheritdoc cref="JsonRpcPeer(Stream, Stream, ProtocolLimits?, IJsonRpcHandler)"/>
    /// <param name="input">Stream of incoming frames (e.g. the worker's stdout, seen from the host).</param>
    /// <param name="output">Stream for outgoing frames.</param>
    /// <param name="limits">Limits applied to what the other side sends; <see langword="null"/> for <see cref="ProtocolLimits.Default"/>.</param>
    /// <param name="handler">Answers incoming requests and notifications.</param>
    /// <param name="budget">The bytes this peer may hold for the other side; <see langword="null"/> for no budget.</param>
    public JsonRpcPeer(Stream input, Stream output, ProtocolLimits? limits, IJsonRpcHandler handler, PeerByteBudget? budget)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(handler);
        limits ??= ProtocolLimits.Default;
        limits.Validate();
        _input = input;
        _output = output;
        _limits = limits;
        _handler = handler;
        _budget = budget;
        _reader = new FrameReader(input, limits.MaxFrameBytes, budget);
        _writer = new FrameWriter(output, limits.MaxFrameBytes);
        _documentOptions = new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth, AllowDuplicateProperties = false };
        _outgoingSlots = new SemaphoreSlim(limits.MaxInFlight, limits.MaxInFlight);
    }

    /// <summary>
    /// Raised once, from the reading loop, when the other side breaks the protocol; the peer then closes.
    /// Subscribe before <see cref="Start()"/>. Exceptions thrown by subscribers are ignored.
    /// </summary>
    public event EventHandler<ProtocolViolationEventArgs>? ProtocolViolated;

    /// <summary>The reason of the protocol violation that closed the peer, or <see langword="null"/>.</summary>
    public string? ViolationReason => Volatile.Read(ref _violation);

    /// <summary>
    /// Completes (never faults) once the peer has closed — the other side ended the stream, broke the protocol,
    /// a write failed, or the peer was disposed — and everything queued has been written.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Starts reading with <see cref="JsonRpcReadMode.Asynchronous"/> reads, and writing. Call once.</summary>
    /// <exception cref="InvalidOperationException">The peer was already started.</exception>
    public void Start() => Start(JsonRpcReadMode.Asynchronous);

    /// <summary>Starts reading the way <paramref name="mode"/> says, and writing. Call once.</summary>
    /// <exception cref="InvalidOperationException">The peer was already started.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined mode.</exception>
    public void Start(JsonRpcReadMode mode)
    {
        if (mode is not (JsonRpcReadMode.Asynchronous or JsonRpcReadMode.DedicatedThreads))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Choose JsonRpcReadMode.Asynchronous or JsonRpcReadMode.DedicatedThreads.");
        }

        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The peer is already started; call Start once.");
        }

        _budget?.Attach(reason => Close(reason, new ProtocolViolationException(reason)));

        if (mode == JsonRpcReadMode.DedicatedThreads)
        {
            StartDedicatedReading();
        }
        else
        {
            _ = Task.Run(ReadLoopAsync);
        }

        Pump();
    }

    /// <summary>
    /// Stops reading, lets requests already being answered finish and send their answers (their tokens are cancelled),
    /// writes everything queued, closes both streams, and fails the calls still waiting for an answer.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!Close(violation: null, new ObjectDisposedException(nameof(JsonRpcPeer), "The peer was disposed."), completeOutbox: false))
        {
            await Completion.ConfigureAwait(false);
            return;
        }

        foreach (var call in _incoming.Values)
        {
            await call.Finished.ConfigureAwait(false);
        }

        _outbox.Writer.TryComplete();
        if (Volatile.Read(ref _started) == 0)
        {
            // Never started: nothing was written and nothing will be.
            Interlocked.Exchange(ref _writing, 1);
            await FinishAsync().ConfigureAwait(false);
        }
        else
        {
            Pump();
        }

        await Completion.ConfigureAwait(false);
    }

    // Marks the peer closed once; returns false when it already was.
    private bool Close(string? violation, Exception reason, bool completeOutbox = true)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return false;
        }

        if (violation is not null)
        {
            Volatile.Write(ref _violation, violation);
            try
            {
                ProtocolViolated?.Invoke(this, new ProtocolViolationEventArgs(violation));
            }
            catch (Exception)
            {
                // A subscriber's failure must not keep the peer open.
            }
        }

        try
        {
            _lifetime.Cancel();
        }
        catch (AggregateException)
        {
            // Cancellation callbacks belong to handlers; their failures do not concern the connection.
        }

        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                // On a pool thread: the callers' code must not run inside Close.
                new Delivery(pending, default, reason).CompleteLater();
            }
        }

        // Standby reading threads (dedicated mode) wake up, see the peer closed and end.
        WakeStandbyReaders();
        if (_standby is null)
        {
            DisposeInput();
        }

        if (completeOutbox)
        {
            _outbox.Writer.TryComplete();
            Pump();
        }

        return true;
    }

    private bool IsClosed => Volatile.Read(ref _closeReason) is not null;

    // Asynchronous mode: from Close, which ends a pending read. Dedicated mode: from the reading thread once its blocking
    // read has returned, because disposing some streams (the runtime's socket-backed pipe streams) waits for a blocking
    // read to finish and would hang Close.
    private void DisposeInput()
    {
        try
        {
            _input.Dispose();
        }
        catch (Exception)
        {
            // Closing an already broken stream may fail; the peer is closed either way.
        }
    }

    // Keeps the bytes of the frame that brought a request in the budget until the request is answered: its parameters are
    // a copy of part of that frame.
    private void HoldFrameFor(IncomingRequest request, Frame frame)
    {
        if (request.Call is { } call && frame.TakeReservation() is { } budget)
        {
            call.Hold(budget, frame.Length);
        }
    }

    private sealed class IncomingCall(CancellationTokenSource cancellation)
    {
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private PeerByteBudget? _budget;
        private int _bytes;

        public void Hold(PeerByteBudget budget, int bytes)
        {
            _bytes = bytes;
            _budget = budget;
        }

        public void Release() => Interlocked.Exchange(ref _budget, null)?.Return(_bytes);

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task Finished => _finished.Task;

        public void MarkFinished() => _finished.TrySetResult();
    }
}
