using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Stockade.Protocol;

internal sealed partial class JsonRpcPeer
{
    /// <summary>Sends a request and waits for its answer.</summary>
    /// <param name="method">Method name, e.g. <c>invoke</c>.</param>
    /// <param name="parameters">An object or array, or <see langword="null"/> to send none.</param>
    /// <param name="cancellationToken">Cancels the wait and sends <c>$/cancel</c> to the other side.</param>
    /// <returns>The <c>result</c> of the answer.</returns>
    /// <exception cref="RemoteRpcException">The other side answered with an error.</exception>
    /// <exception cref="ProtocolViolationException">The connection closed because of a protocol violation.</exception>
    /// <exception cref="IOException">The connection closed before the answer came.</exception>
    /// <exception cref="ObjectDisposedException">The peer was disposed.</exception>
    public Task<JsonElement> InvokeAsync(string method, JsonElement? parameters = null, CancellationToken cancellationToken = default) =>
        InvokeCoreAsync(method, parameters, static (writer, value) => value!.Value.WriteTo(writer), parameters is null, cancellationToken);

    /// <summary>Sends a request whose parameters are serialised with <paramref name="parametersType"/> and waits for its answer.</summary>
    /// <inheritdoc cref="InvokeAsync(string, JsonElement?, CancellationToken)"/>
    public Task<JsonElement> InvokeAsync<TParams>(string method, TParams parameters, JsonTypeInfo<TParams> parametersType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parametersType);
        return InvokeCoreAsync(method, (parameters, parametersType), static (writer, state) => JsonSerializer.Serialize(writer, state.parameters, state.parametersType), omitParameters: false, cancellationToken);
    }

    /// <summary>Sends a request and reads the answer's result as <typeparamref name="TResult"/>.</summary>
    /// <inheritdoc cref="InvokeAsync(string, JsonElement?, CancellationToken)"/>
    /// <exception cref="JsonException">The result does not fit <typeparamref name="TResult"/>.</exception>
    public async Task<TResult?> InvokeAsync<TParams, TResult>(
        string method, TParams parameters, JsonTypeInfo<TParams> parametersType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resultType);
        var result = await InvokeAsync(method, parameters, parametersType, cancellationToken).ConfigureAwait(false);
        return result.Deserialize(resultType);
    }

    /// <summary>Sends a notification (no answer). Completes once it is queued for writing.</summary>
    /// <exception cref="IOException">The connection is closed.</exception>
    public ValueTask NotifyAsync(string method, JsonElement? parameters = null, CancellationToken cancellationToken = default) =>
        NotifyCoreAsync(method, parameters, static (writer, value) => value!.Value.WriteTo(writer), parameters is null, cancellationToken);

    /// <summary>Sends a notification whose parameters are serialised with <paramref name="parametersType"/>.</summary>
    /// <inheritdoc cref="NotifyAsync(string, JsonElement?, CancellationToken)"/>
    public ValueTask NotifyAsync<TParams>(string method, TParams parameters, JsonTypeInfo<TParams> parametersType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parametersType);
        return NotifyCoreAsync(method, (parameters, parametersType), static (writer, state) => JsonSerializer.Serialize(writer, state.parameters, state.parametersType), omitParameters: false, cancellationToken);
    }

    private async Task<JsonElement> InvokeCoreAsync<TState>(string method, TState state, Action<Utf8JsonWriter, TState> writeParameters, bool omitParameters, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ThrowIfClosed();
        await _outgoingSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var id = Interlocked.Increment(ref _nextId);
        // Synchronous continuations: the reading loop hands its reading to another thread before completing this, and
        // every other completion (close, cancellation) is posted to the pool, so the caller never runs inside them.
        var pending = new TaskCompletionSource<JsonElement>(TaskCreationOptions.None);
        PooledBufferWriter message;
        try
        {
            message = WriteMessage((id, method, state, writeParameters, omitParameters), static (writer, s) =>
            {
                writer.WriteNumber("id"u8, s.id);
                writer.WriteString("method"u8, s.method);
                if (!s.omitParameters)
                {
                    writer.WritePropertyName("params"u8);
                    s.writeParameters(writer, s.state);
                }
            });
        }
        catch
        {
            _outgoingSlots.Release();
            throw;
        }

        _pending[id] = pending;
        if (IsClosed || !Send(message))
        {
            message.Dispose();
            if (_pending.TryRemove(id, out _))
            {
                _outgoingSlots.Release();
            }

            throw ClosedError();
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return await pending.Task.ConfigureAwait(false);
        }

        using (cancellationToken.UnsafeRegister(static (s, token) => ((JsonRpcPeer)((object[])s!)[0]).Abandon((long)((object[])s!)[1], token), new object[] { this, id }))
        {
            return await pending.Task.ConfigureAwait(false);
        }
    }

    // The caller gave up: tell the other side, and ignore (but count) the answer when it comes.
    private void Abandon(long id, CancellationToken token)
    {
        if (!_pending.TryRemove(id, out var pending))
        {
            return;
        }

        _abandoned[id] = 0;
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.pending.TrySetCanceled(state.token), (pending, token), preferLocal: false);
        Send(WriteMessage(id, static (writer, value) =>
        {
            writer.WriteString("method"u8, CancelMethod);
            writer.WriteStartObject("params"u8);
            writer.WriteNumber("id"u8, value);
            writer.WriteEndObject();
        }));
    }

    private ValueTask NotifyCoreAsync<TState>(string method, TState state, Action<Utf8JsonWriter, TState> writeParameters, bool omitParameters, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (IsClosed)
        {
            return ValueTask.FromException(ClosedError());
        }

        var message = WriteMessage((method, state, writeParameters, omitParameters), static (writer, s) =>
        {
            writer.WriteString("method"u8, s.method);
            if (!s.omitParameters)
            {
                writer.WritePropertyName("params"u8);
                s.writeParameters(writer, s.state);
            }
        });
        if (!Send(message))
        {
            return ValueTask.FromException(ClosedError());
        }

        return ValueTask.CompletedTask;
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw ClosedError();
        }
    }

    // A fresh exception per caller, of the same kind as the reason the peer closed.
    private Exception ClosedError() => Volatile.Read(ref _closeReason) switch
    {
        ProtocolViolationException violation => new ProtocolViolationException(violation.Message),
        IOException other => new IOException(other.Message, other),
        _ => new ObjectDisposedException(nameof(JsonRpcPeer), "The peer was disposed."),
    };
}
