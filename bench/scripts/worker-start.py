#!/usr/bin/env python3
# Interleaved cold-start comparison of worker builds run directly (no launcher, no Landlock, no --seccomp: the canary
# refuses without Landlock), against a plain .NET child. Each worker gets one `initialize` frame on stdin and is timed
# from spawn to the answer; its `stockade-trace:` marks (STOCKADE_TRACE_STARTUP=1) give the phases. The first round is
# a warm-up (page cache) and is dropped; the order alternates every round.
#   python3 bench/scripts/worker-start.py N name="command ..." ... plain=
# e.g. cur="dotnet src/Stockade.Worker/bin/Release/net10.0/Stockade.Worker.dll" comp=/tmp/composite/Stockade.Worker
# A variant named "plain" is bench/Stockade.Bench.Child (Release build) timed to its first byte on stdout.
# JIT=1 also counts the JIT-compiled methods before each mark (DOTNET_JitDisasmSummary to stderr; timings are then
# not comparable). Needs the hello-csharp sample built (dotnet build -c Release samples/plugins/hello-csharp).
import json, os, struct, subprocess, sys, time, statistics, re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = os.path.join(ROOT, "samples/plugins/hello-csharp")
CHILD = os.path.join(ROOT, "bench/Stockade.Bench.Child/bin/Release/net10.0/Stockade.Bench.Child.dll")
SCRATCH = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stockade-worker-start")
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "STOCKADE_TRACE_STARTUP": "1"}
JIT = os.environ.get("JIT") == "1"
if JIT:
    # /dev/stderr, not a file: with a file path the runtime crashed at exit in 2 of 10 runs (diagnostics only).
    ENV.update({"DOTNET_JitStdOutFile": "/dev/stderr", "DOTNET_JitDisasmSummary": "1"})

init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "pluginId": "samples.hello", "level": "info", "pluginDir": PLUGIN, "dataDir": os.path.join(SCRATCH, "data"),
    "tempDir": os.path.join(SCRATCH, "tmp"), "config": None, "grantedPermissions": []}}).encode()
frame = struct.pack(">I", len(init)) + init
os.makedirs(os.path.join(SCRATCH, "data"), exist_ok=True); os.makedirs(os.path.join(SCRATCH, "tmp"), exist_ok=True)

def read_exact(f, n):
    b = b""
    while len(b) < n:
        c = f.read(n - len(b))
        if not c:
            raise EOFError(len(b))
        b += c
    return b

def run_worker(cmd):
    args = cmd + ["--plugin-dir", PLUGIN, "--entry", "bin/HelloPlugin.dll", "--type", "Samples.Hello.HelloPlugin"]
    t0 = time.monotonic_ns()
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    p.stdin.write(frame); p.stdin.flush()
    answered = None
    while answered is None:
        try:
            n = struct.unpack(">I", read_exact(p.stdout, 4))[0]
        except EOFError:
            raise RuntimeError(" ".join(args) + "\n" + p.stderr.read().decode()[-3000:])
        body = json.loads(read_exact(p.stdout, n))
        if body.get("id") == 1:
            answered = time.monotonic_ns()
            if "error" in body:
                raise RuntimeError(body)
    p.stdin.close()
    err = p.stderr.read().decode(errors="replace")
    p.wait()
    marks = {}
    jit_at = {}
    count = 0
    for m in re.finditer(r"stockade-trace: ([a-z-]+) (\d+)|JIT compiled", err):
        if m.group(1):
            marks[m.group(1)] = int(m.group(2)); jit_at[m.group(1)] = count
        else:
            count += 1
    jit_at["total"] = count
    out = {"total": (answered - t0) / 1e6}
    for k, v in marks.items():
        out[k] = (v - t0) / 1e6
    return out, jit_at

def run_plain():
    t0 = time.monotonic_ns()
    p = subprocess.Popen(["dotnet", CHILD, "first"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    p.stdout.read(1)
    t = time.monotonic_ns()
    p.stdin.close(); p.wait()
    return {"total": (t - t0) / 1e6}, {}

def main():
    n = int(sys.argv[1])
    variants = []
    for a in sys.argv[2:]:
        name, _, cmd = a.partition("=")
        variants.append((name, cmd.split() if cmd else []))
    res = {name: [] for name, _ in variants}
    jits = {}
    with open("/proc/loadavg") as f: print("load before", f.read().strip())
    for i in range(n + 1):
        for name, cmd in (variants if i % 2 == 0 else list(reversed(variants))):
            r, j = run_plain() if name == "plain" else run_worker(cmd)
            if i > 0:  # first round is warm-up (page cache)
                res[name].append(r)
            jits[name] = j
    with open("/proc/loadavg") as f: print("load after", f.read().strip())
    keys = ["worker-main", "plugin-loaded", "first-frame-read", "initialize-answered", "total"]
    print("variant | " + " | ".join(keys) + " (p50 ms from spawn)")
    for name, rs in res.items():
        cols = []
        for k in keys:
            vals = [r[k] for r in rs if k in r]
            cols.append(f"{statistics.median(vals):.1f}" if vals else "-")
        print(name, "|", " | ".join(cols))
    if JIT:
        for name, j in jits.items():
            print("jit", name, j)

main()
