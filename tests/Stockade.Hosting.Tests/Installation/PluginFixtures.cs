namespace Stockade.Hosting.Tests.Installation;

/// <summary>Small real plugins written to disk: a Python script that speaks the protocol and calls the broker.</summary>
internal static class PluginFixtures
{
    // Answers "config" by asking the host for the config value "greeting" (a brokered call) and reporting
    // whether the broker allowed it.
    private const string Script = """
        #!/usr/bin/env python3
        import json, struct, sys

        """ + PythonProtocol.Framing + """
        def config():
            send({"id": "h1", "method": "host.config.get", "params": {"key": "greeting"}})
            while True:
                message = read()
                if message.get("id") == "h1" and "method" not in message:
                    if "error" in message:
                        return {"allowed": False, "error": message["error"].get("message")}
                    return {"allowed": True, "error": None}

        while True:
            request = read()
            if request is None:
                break
            if "id" not in request:
                continue
            method = request.get("method")
            if method == "shutdown":
                send({"id": request["id"], "result": None})
                break
            if method == "initialize":
                send({"id": request["id"], "result": {"methods": ["config"], "hooks": [], "sdkVersion": "1.0"}})
            elif method == "invoke":
                send({"id": request["id"], "result": config()})
            else:
                send({"id": request["id"], "error": {"code": -32601, "message": "unknown"}})
        """;

    /// <summary>Writes a process plugin declaring <paramref name="required"/> and <paramref name="optional"/> permissions.</summary>
    public static string Write(string directory, string id, string version, string[] required, string[] optional, string? extraCode = null)
    {
        Directory.CreateDirectory(directory);
        static string List(string[] items) => items.Length == 0 ? " []" : string.Concat(items.Select(p => $"\n    - permission: {p}\n      reason: the test needs it"));
        File.WriteAllText(Path.Combine(directory, "plugin.yaml"), $$"""
            id: {{id}}
            name: Fixture {{id}}
            version: {{version}}
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 10s, hook: 5s }
            permissions:
              required:{{List(required)}}
              optional:{{List(optional)}}
            resources: { memoryMb: 128, openFiles: 64 }
            """);
        File.WriteAllText(Path.Combine(directory, "plugin.py"), Script + (extraCode ?? string.Empty));
        return directory;
    }

    /// <summary>The repository root (the folder with Stockade.slnx).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Stockade.slnx not found above the test folder");
        }
    }

    public static string Sample(params string[] parts) => Path.Combine([RepoRoot, "samples", .. parts]);
}
