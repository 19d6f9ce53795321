using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Stockade.Protocol;

internal sealed partial class JsonRpcPeer
{
    private const string CancelMethod = "$/cancel";

    // The longest string request id accepted, in characters as written between its quotes (docs/protocol.md §2).
    private const int MaxStringIdLength = 65_536;

    private async Task ReadLoopAsync()
    {
        try
        {
            while (!IsClosed)
            {
                Frame? frame;
                try
                {
                    frame = await _reader.ReadFrameAsync(_lifetime.Token).ConfigureAwait(false);
                }
                catch (ProtocolViolationException e)
                {
                    Close(e.Message, new ProtocolViolationException(e.Message));
                    return;
                }
                catch (Exception e) when (IsClosed)
                {
                    _ = e;
                    return;
                }
                catch (Exception e)
                {
                    Close(violation: null, new IOException($"Reading from the other side failed: {e.Message}", e));
                    return;
                }

                if (frame is null)
                {
                    Close(violation: null, new IOException("The other side closed the connection."));
                    return;
                }

                string? violation;
                using (frame)
                {
                    violation = await ProcessGuardedAsync(frame.Payload).ConfigureAwait(false);
                    HoldFrameFor(_request, frame);
                }

                var delivery = _delivery;
                var request = _request;
                _delivery = default;
                _request = default;
                if (violation is not null)
                {
                    delivery.CompleteLater();
                    Close(violation, new ProtocolViolationException(violation));
                    return;
                }

                if (delivery.IsEmpty && request.IsEmpty)
                {
                    continue;
                }

                if (_reader.HasBufferedBytes || !_pending.IsEmpty || Volatile.Read(ref _incomingInFlight) > 1)
                {
                    // More frames are already here, or more are expected soon because other calls are in flight: keep
                    // reading, and let pool threads run the caller or the handler (one hand-over per frame, as a batch
                    // of answers would otherwise cost one reader hand-over each).
                    delivery.CompleteLater();
                    request.StartLater(this);
                    continue;
                }

                // Nothing more to read yet: a pool thread takes over the reading, and this thread runs the caller's
                // continuation or the request's handler at once. Reading never waits for a caller's or a handler's code,
                // so a handler that hangs cannot keep $/cancel or the end of the stream from being read.
                ThreadPool.QueueUserWorkItem(static peer => _ = peer.ReadLoopAsync(), this, preferLocal: false);
                delivery.Complete();
                request.StartHere(this);
                return;
            }
        }
        catch (Exception e)
        {
            // Only a defect of this class can land here; close rather than let it escape the loop.
            Close(violation: null, new IOException($"The reading loop failed: {e.Message}", e));
        }
    }

    // Every malformed input is a violation, whatever part of the message it breaks: System.Text.Json accepts invalid UTF-8
    // inside a string and throws only when the string is read (InvalidOperationException), and other readers throw their
    // own kinds. Nothing the other side sends may end the reading loop without a violation.
    private async ValueTask<string?> ProcessGuardedAsync(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return await ProcessAsync(payload).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _delivery.CompleteLater();
            _delivery = default;
            if (_request.Call is { } call)
            {
                _incoming.TryRemove(_request.Id!, out _);
                call.Cancellation.Dispose();
                Interlocked.Decrement(ref _incomingInFlight);
            }

            _request = default;
            return $"malformed message ({e.GetType().Name}): {e.Message}";
        }
    }

    // Returns the violation found in one message, or null when it was accepted.
    private async ValueTask<string?> ProcessAsync(ReadOnlyMemory<byte> payload)
    {
        // System.Text.Json checks UTF-8 inside a string only when the string is read, so a message could carry invalid
        // bytes to a handler that never reads them (or swallows the failure). Outside strings invalid bytes are already
        // malformed JSON, so one vectorised pass over the whole payload refuses every invalid string up front.
        if (!Utf8.IsValid(payload.Span))
        {
            return $"invalid UTF-8 in the message at byte {InvalidUtf8Offset(payload.Span)}";
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, _documentOptions);
        }
        catch (JsonException e)
        {
            return IsDuplicateProperty(e)
                ? $"a key appears twice in one object ({e.Message}): a message must mean the same to every reader"
                : $"malformed JSON (or nesting deeper than {_limits.MaxJsonDepth}): {e.Message}";
        }

        // Parsed, so every backslash starts an escape inside a string: one vectorised search leaves most messages here.
        if (payload.Span.IndexOf("\\u"u8) >= 0 && LoneSurrogateEscape(payload.Span) is { } offset)
        {
            document.Dispose();
            return $"an escaped lone surrogate (\\uD800-\\uDFFF without its pair) in a string at byte {offset}: it is no text, and would throw only when a handler reads it";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return $"a message must be a JSON object, not {root.ValueKind}";
            }

            if (!root.TryGetProperty("jsonrpc"u8, out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals("2.0"u8))
            {
                return "a message must carry \"jsonrpc\": \"2.0\"";
            }

            var hasId = root.TryGetProperty("id"u8, out var id);
            if (root.TryGetProperty("method"u8, out var methodElement))
            {
                if (methodElement.ValueKind != JsonValueKind.String)
                {
                    return "\"method\" must be a string";
                }

                var method = methodElement.GetString()!;
                JsonElement? parameters = null;
                if (root.TryGetProperty("params"u8, out var paramsElement) && paramsElement.ValueKind != JsonValueKind.Null)
                {
                    if (paramsElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                    {
                        return $"\"params\" of '{method}' must be an object or an array";
                    }

                    parameters = paramsElement;
                }

                if (!hasId)
                {
                    // Handled before the document is disposed: no copy (a 16 MiB notification would cost 16 MiB more).
                    return await DispatchNotificationAsync(method, parameters).ConfigureAwait(false);
                }

                parameters = parameters?.Clone();

                if (id.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
                {
                    return "a request id must be a number or a string";
                }

                var rawId = id.GetRawText();
                return RequestIdViolation(id, rawId) ?? StartRequest(rawId, method, parameters);
            }

            return hasId ? CompleteCall(root, id) : "a message without \"method\" must be a response with an \"id\"";
        }
    }

    // A request id is an integer within Int64 or a string of at most MaxStringIdLength characters as written: a huge
    // number or a fraction names no call either side could answer by number. The string bound is a sanity bound: the
    // bytes a long id holds while its call is in flight are counted by the in-flight budgets (Protocol/Budgets).
    private static string? RequestIdViolation(JsonElement id, string rawId)
    {
        if (id.ValueKind == JsonValueKind.Number)
        {
            return id.TryGetInt64(out _) ? null : $"request id {Shorten(rawId)} is not an integer within Int64";
        }

        var length = rawId.Length - 2;
        return length <= MaxStringIdLength ? null : $"request id string is longer than {MaxStringIdLength} characters ({length})";
    }

    // System.Text.Json reports a duplicate key (AllowDuplicateProperties = false) as a JsonException naming it.
    private static bool IsDuplicateProperty(JsonException e) => e.Message.Contains("uplicate", StringComparison.Ordinal);

    // The offset of the first \uXXXX escape of a surrogate that is not a high half directly followed by an escaped low
    // half, or null. Only for a payload JsonDocument accepted: a backslash can then only start an escape in a string.
    private static int? LoneSurrogateEscape(ReadOnlySpan<byte> payload)
    {
        var i = payload.IndexOf((byte)'\\');
        while (i >= 0 && i + 1 < payload.Length)
        {
            if (payload[i + 1] != (byte)'u')
            {
                i += 2; // \\, \", \n ...
            }
            else
            {
                var unit = Hex4(payload, i + 2);
                if (unit is >= 0xDC00 and <= 0xDFFF)
                {
                    return i;
                }

                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    if (i + 11 >= payload.Length || payload[i + 6] != (byte)'\\' || payload[i + 7] != (byte)'u' || Hex4(payload, i + 8) is not (>= 0xDC00 and <= 0xDFFF))
                    {
                        return i;
                    }

                    i += 12; // the pair
                }
                else
                {
                    i += 6;
                }
            }

            var next = i < payload.Length ? payload[i..].IndexOf((byte)'\\') : -1;
            i = next < 0 ? -1 : i + next;
        }

        return null;

        static int Hex4(ReadOnlySpan<byte> text, int at)
        {
            var value = 0;
            for (var k = at; k < at + 4 && k < text.Length; k++)
            {
                var b = text[k];
                value = (value << 4) | (b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
            }

            return value;
        }
    }

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "…";

    // Where the first invalid sequence starts (for the violation's text only; found in small steps, nothing allocated).
    private static int InvalidUtf8Offset(ReadOnlySpan<byte> payload)
    {
        Span<char> scratch = stackalloc char[512];
        var offset = 0;
        while (true)
        {
            var status = Utf8.ToUtf16(payload[offset..], scratch, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                return offset;
            }
        }
    }

    private string? CompleteCall(JsonElement root, JsonElement idElement)
    {
        if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt64(out var id))
        {
            return $"response for unknown id {idElement.GetRawText()}";
        }

        var hasResult = root.TryGetProperty("result"u8, out var result);
        var hasError = root.TryGetProperty("error"u8, out var error);
        if (hasResult == hasError)
        {
            return $"response {id} must carry exactly one of \"result\" and \"error\"";
        }

        if (!_pending.TryRemove(id, out var pending))
        {
            if (_abandoned.TryRemove(id, out _))
            {
                _outgoingSlots.Release();
                return null;
            }

            return $"response for unknown id {id}";
        }

        _outgoingSlots.Release();
        if (hasResult)
        {
            _delivery = new Delivery(pending, result.Clone(), null);
            return null;
        }

        if (error.ValueKind != JsonValueKind.Object
            || !error.TryGetProperty("code"u8, out var numberElement) || !numberElement.TryGetInt32(out var number)
            || !error.TryGetProperty("message"u8, out var messageElement) || messageElement.ValueKind != JsonValueKind.String)
        {
            var violation = $"error of response {id} must be an object with an integer \"code\" and a string \"message\"";
            _delivery = new Delivery(pending, default, new ProtocolViolationException(violation));
            return violation;
        }

        JsonElement? data = null;
        var code = RpcErrorCode.FromNumber(number);
        if (error.TryGetProperty("data"u8, out var dataElement) && dataElement.ValueKind != JsonValueKind.Null)
        {
            data = dataElement.Clone();
            if (dataElement.ValueKind == JsonValueKind.Object
                && dataElement.TryGetProperty("code"u8, out var codeElement) && codeElement.ValueKind == JsonValueKind.String)
            {
                code = codeElement.GetString()!;
            }
        }

        _delivery = new Delivery(pending, default, new RemoteRpcException(code, number, messageElement.GetString()!, data));
        return null;
    }

    private string? StartRequest(string id, string method, JsonElement? parameters)
    {
        if (Interlocked.Increment(ref _incomingInFlight) > _limits.MaxInFlight)
        {
            return $"flood: more than {_limits.MaxInFlight} requests in flight";
        }

        var call = new IncomingCall(CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token));
        if (!_incoming.TryAdd(id, call))
        {
            call.Cancellation.Dispose();
            return $"request id {id} is already in flight";
        }

        _request = new IncomingRequest(id, method, parameters, call);
        return null;
    }

    private async Task AnswerAsync(string id, string method, JsonElement? parameters, IncomingCall call)
    {
        var token = call.Cancellation.Token;
        PooledBufferWriter? answer = null;
        try
        {
            var result = await _handler.HandleRequestAsync(method, parameters, token).ConfigureAwait(false);
            answer = WriteResult(id, result);
        }
        catch (RpcException e) when (e.Number == RpcErrorCode.MethodNotFoundNumber && _limits.UnknownMethodIsViolation)
        {
            Close($"unknown method '{method}'", new ProtocolViolationException($"unknown method '{method}'"));
        }
        catch (RpcException e)
        {
            answer = WriteError(id, e.Code, e.Number, e.Message, e.Data);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            answer = WriteError(id, RpcErrorCode.Cancelled, RpcErrorCode.ToNumber(RpcErrorCode.Cancelled), $"'{method}' was cancelled", null);
        }
        catch (Exception e)
        {
            answer = WriteError(id, RpcErrorCode.Internal, RpcErrorCode.ToNumber(RpcErrorCode.Internal), $"'{method}' failed: {e.GetType().Name}: {e.Message}", null);
        }
        finally
        {
            // Free the slot before the answer leaves, so the other side may send its next request at once.
            _incoming.TryRemove(id, out _);
            call.Cancellation.Dispose();
            call.Release();
            Interlocked.Decrement(ref _incomingInFlight);
        }

        if (answer is not null)
        {
            SendAnswer(answer);
        }

        call.MarkFinished();
    }

    private async ValueTask<string?> DispatchNotificationAsync(string method, JsonElement? parameters)
    {
        if (method == CancelMethod)
        {
            if (parameters is { ValueKind: JsonValueKind.Object } cancel
                && cancel.TryGetProperty("id"u8, out var id)
                && _incoming.TryGetValue(id.GetRawText(), out var call))
            {
                try
                {
                    call.Cancellation.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The request finished while the cancellation was on its way.
                }
            }

            return null;
        }

        try
        {
            await _handler.HandleNotificationAsync(method, parameters, _lifetime.Token).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Number == RpcErrorCode.MethodNotFoundNumber)
        {
            return _limits.UnknownMethodIsViolation ? $"unknown notification '{method}'" : null;
        }
        catch (Exception)
        {
            // A notification has nobody to answer to; a failing handler must not stop the connection.
        }

        return null;
    }

    // The outcome of one of our calls, read by the reading loop and handed to the caller after the frame is done with.
    // The caller's task runs its continuations synchronously, so whoever completes it runs the caller's code.
    private readonly record struct Delivery(TaskCompletionSource<JsonElement>? Target, JsonElement Result, Exception? Error)
    {
        public bool IsEmpty => Target is null;

        public void Complete()
        {
            if (Error is null)
            {
                Target?.TrySetResult(Result);
            }
            else
            {
                Target?.TrySetException(Error);
            }
        }

        public void CompleteLater()
        {
            if (Target is not null)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static delivery => delivery.Complete(), this, preferLocal: false);
            }
        }
    }

    // A request accepted by the reading loop, to be answered once the frame is done with.
    private readonly record struct IncomingRequest(string? Id, string Method, JsonElement? Parameters, IncomingCall? Call)
    {
        public bool IsEmpty => Call is null;

        public void StartHere(JsonRpcPeer peer)
        {
            if (Call is not null)
            {
                _ = peer.AnswerAsync(Id!, Method, Parameters, Call);
            }
        }

        public void StartLater(JsonRpcPeer peer)
        {
            if (Call is not null)
            {
                var request = this;
                _ = Task.Run(() => peer.AnswerAsync(request.Id!, request.Method, request.Parameters, request.Call!));
            }
        }
    }
}
