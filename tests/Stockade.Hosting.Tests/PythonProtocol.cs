namespace Stockade.Hosting.Tests;

/// <summary>
/// The framing every hand-written Python test plugin starts with (after its shebang and imports of json, struct and sys):
/// protocol I/O on the real stdin/stdout, <c>print</c> to stderr, <c>read()</c> and <c>send(message)</c> of length-prefixed
/// JSON-RPC frames. One copy, so a change to the framing is made once.
/// </summary>
internal static class PythonProtocol
{
    public const string Framing = """
        IN, OUT = sys.stdin.buffer, sys.stdout.buffer
        sys.stdout = sys.stderr

        def read():
            header = IN.read(4)
            if len(header) < 4:
                return None
            (length,) = struct.unpack(">I", header)
            return json.loads(IN.read(length))

        def send(message):
            payload = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
            OUT.write(struct.pack(">I", len(payload)) + payload)
            OUT.flush()


        """;
}
