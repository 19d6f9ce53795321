using System.Text.Json;

namespace Stockade.Protocol;

public sealed partial class JsonRpcPeer
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private async Task RunWriterAsync()
    {
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    using (message)
                    {
                        await _writer.WriteFrameAsync(message.WrittenMemory).ConfigureAwait(false);
                    }
                }

                // The queue is empty: whatever was gathered leaves in one write.
                await _writer.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Close(violation: null, new IOException($"Writing to the other side failed: {e.Message}", e));
        }

        await FinishAsync(Task.CompletedTask).ConfigureAwait(false);
    }

    private async Task FinishAsync(Task before)
    {
        await before.ConfigureAwait(false);
        while (_outbox.Reader.TryRead(out var unsent))
        {
            unsent.Dispose();
        }

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

    private void Enqueue(PooledBufferWriter message)
    {
        if (!_outbox.Writer.TryWrite(message))
        {
            message.Dispose();
        }
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
