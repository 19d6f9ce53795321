#!/usr/bin/env python3
# Time of a worker's first call after start, against its second: each worker build is started directly (no launcher,
# no Landlock, no --seccomp), sent `initialize`, left idle for 0.4 s (a prewarmed spare waits longer), then sent two
# `greet` calls of the hello-csharp sample; builds alternate, 6 rounds, medians printed.
#   python3 bench/scripts/first-call.py <worker dll> [<worker dll> ...]
# e.g. python3 bench/scripts/first-call.py src/Stockade.Worker/bin/Release/net10.0/Stockade.Worker.dll /tmp/old/Stockade.Worker.dll
# Needs the sample built (dotnet build -c Release samples/plugins/hello-csharp).
import json, os, statistics, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = os.path.join(ROOT, "samples/plugins/hello-csharp")
SCRATCH = tempfile.mkdtemp(prefix="stockade-first-call-")
ENV = {"PATH": "/usr/bin:/bin", "HOME": SCRATCH}
for sub in ("data", "tmp"):
    os.makedirs(os.path.join(SCRATCH, sub), exist_ok=True)


def frame(message):
    body = json.dumps(message).encode()
    return struct.pack(">I", len(body)) + body


def run(worker):
    p = subprocess.Popen(["dotnet", worker, "--plugin-dir", PLUGIN, "--entry", "bin/HelloPlugin.dll", "--type", "Samples.Hello.HelloPlugin"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV, bufsize=0)

    def read():
        header = b""
        while len(header) < 4:
            chunk = p.stdout.read(4 - len(header))
            if not chunk:
                raise RuntimeError(f"{worker} ended before answering")
            header += chunk
        n = struct.unpack(">I", header)[0]
        body = b""
        while len(body) < n:
            body += p.stdout.read(n - len(body))
        return json.loads(body)

    def call(id, method, params):
        start = time.perf_counter()
        p.stdin.write(frame({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        while (answer := read()).get("id") != id:
            pass
        if "error" in answer:
            raise RuntimeError(answer)
        return (time.perf_counter() - start) * 1000

    call(1, "initialize", {"pluginId": "samples.hello", "level": "info", "pluginDir": PLUGIN, "dataDir": os.path.join(SCRATCH, "data"),
                           "tempDir": os.path.join(SCRATCH, "tmp"), "config": None, "grantedPermissions": []})
    time.sleep(0.4)
    greet = {"method": "greet", "input": {"name": "Ada"}}
    first, second = call(2, "invoke", greet), call(3, "invoke", greet)
    p.stdin.close()
    p.wait()
    return first, second


results = {w: [] for w in sys.argv[1:]}
for _ in range(6):
    for w in results:
        results[w].append(run(w))
for w, runs in results.items():
    print(f"{w}: first call {statistics.median(r[0] for r in runs):.1f} ms, second {statistics.median(r[1] for r in runs):.2f} ms "
          f"(firsts: {', '.join(f'{r[0]:.1f}' for r in runs)})")
