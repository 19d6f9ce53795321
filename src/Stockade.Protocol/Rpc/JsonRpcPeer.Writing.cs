using System.Text.Json;

namespace Stockade.Protocol;

internal sealed partial class JsonRpcPeer
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    // The single writer is whoever holds _writing: usually the thread that queued a message and found nobody writing,
    // which then writes (its own message and whatever else is queued) without a hand-over to another thread. A write
    // the stream cannot take at once goes on asynchronously and keeps the flag until the queue is empty, so a caller
    // never waits on a stalled reader on the other side: its message waits in the queue instead.
    private void Pump(bool inline = true)
    {
        var reader = _outbox.Reader;
        while (Volatile.Read(ref _started) != 0 && (reader.Count > 0 || reader.Completion.IsCompleted))
        {
            if (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            {
                // The writer in charge looks at the queue again after letting go of the flag.
                return;
            }

            if (!inline)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static peer => peer.DrainHeld(), this, preferLocal: false);
                return;
            }

            if (!DrainHeldOnce())
            {
                return;
            }
        }
    }

    // With the flag held: drains the queue on a pool thread, then goes on like Pump.
    private void DrainHeld()
    {
        if (DrainHeldOnce())
        {
            Pump();
        }
    }

    // With the flag held: writes what is queued. Returns true when the flag was let go and the queue should be looked at
    // again; false when an asynchronous write keeps it (its continuation goes on) or the peer has finished.
    private bool DrainHeldOnce()
    {
        var drained = DrainAsync();
        if (!drained.IsCompletedSuccessfully)
        {
            _ = CompleteDrainAsync(drained);
            return false;
        }

        if (!drained.Result)
        {
            // Closed: the flag stays taken so that nothing is written after the streams are gone.
            return false;
        }

        // A full fence, so that the queue is read again only after the flag is visibly free.
        Interlocked.Exchange(ref _writing, 0);
        return true;
    }

    private async Task CompleteDrainAsync(ValueTask<bool> drained)
    {
        if (await drained.ConfigureAwait(false))
        {
            Interlocked.Exchange(ref _writing, 0);
            Pump();
        }
    }

    // Writes everything queued as one batch. Returns false once the peer has finished (the flag must then stay taken).
    private async ValueTask<bool> DrainAsync()
    {
        var reader = _outbox.Reader;
        try
        {
            var wrote = false;
            while (reader.TryRead(out var message))
            {
                using (message)
                {
                    await _writer.WriteFrameAsync(message.WrittenMemory).ConfigureAwait(false);
                }

                wrote = true;
            }

            if (wrote)
            {
                // The queue is empty: whatever was gathered leaves in one write.
                await _writer.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Close(violation: null, new IOException($"Writing to the other side failed: {e.Message}", e));
            await FinishAsync().ConfigureAwait(false);
            return false;
        }

        if (reader.Completion.IsCompleted)
        {
            await FinishAsync().ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private async Task FinishAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        while (_outbox.Reader.TryRead(out var unsent))
        {
            unsent.Dispose();
        }

        _budget?.Detach();

        try
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The other side may already be gone; the peer is closed either way.
        }

        _completion.TrySetResult();
    }

    // Queues a message and, when nobody else is writing, writes it from this thread — unless other calls are in flight
    // either way: then more messages are about to follow, and a pool thread writes them together a moment later, one
    // system call for the batch instead of one per message. Returns false when the peer is closed.
    private bool Send(PooledBufferWriter message)
    {
        if (!_outbox.Writer.TryWrite(message))
        {
            message.Dispose();
            return false;
        }

        var outgoing = _limits.MaxInFlight - _outgoingSlots.CurrentCount;
        Pump(inline: outgoing <= 1 && Volatile.Read(ref _incomingInFlight) == 0);
        return true;
    }

    // Sends the answer to one of the other side's requests. With a budget, the answer counts in it until it is written:
    // a side that asks and never reads its input would otherwise grow the queue without bound (answers are small, the
    // requests that cause them cost nothing to send). Past the budget the connection is closed as a violation.
    private void SendAnswer(PooledBufferWriter answer)
    {
        if (_budget is not null)
        {
            var bytes = answer.WrittenMemory.Length;
            var violation = _budget.TakeAnswer(bytes);
            answer.Hold(_budget, bytes);
            if (violation is not null)
            {
                answer.Dispose();
                Close(violation, new ProtocolViolationException(violation));
                return;
            }
        }

        Send(answer);
    }

    private static PooledBufferWriter WriteMessage<TState>(TState state, Action<Utf8JsonWriter, TState> body)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            body(writer, state);
            writer.WriteEndObject();
            writer.Flush();
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static PooledBufferWriter WriteResult(string id, JsonElement? result) =>
        WriteMessage((id, result), static (writer, state) =>
        {
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(state.id, skipInputValidation: true);
            writer.WritePropertyName("result"u8);
            if (state.result is { } value)
            {
                value.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }
        });

    private static PooledBufferWriter WriteError(string id, string code, int number, string message, JsonElement? data) =>
        WriteMessage((id, code, number, message, data), static (writer, state) =>
        {
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(state.id, skipInputValidation: true);
            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, state.number);
            writer.WriteString("message"u8, state.message);
            writer.WriteStartObject("data"u8);
            writer.WriteString("code"u8, state.code);
            if (state.data is { ValueKind: JsonValueKind.Object } extra)
            {
                foreach (var property in extra.EnumerateObject())
                {
                    if (!property.NameEquals("code"u8))
                    {
                        property.WriteTo(writer);
                    }
                }
            }
            else if (state.data is { } value)
            {
                writer.WritePropertyName("value"u8);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
}
