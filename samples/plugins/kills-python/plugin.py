"""Resource hogs for issue 16: every kill must be named from the kernel's figures, never from this plugin's words.

Methods: spin (CPU until RLIMIT_CPU), hog (memory in 8 MB pieces until RLIMIT_DATA refuses), bigAlloc (one 3 GB
allocation), fsize (a file past RLIMIT_FSIZE), fakeOom (prints a MemoryError traceback and exits 1 without allocating),
selfKill (spins for half its CPU budget, then SIGKILLs itself), spinIdle (answers, then spins in a thread), ping.
A file named 'mode' next to this script makes the same misbehaviour happen before 'initialize' is answered.
Standard library only; the protocol is 4-byte big-endian length + UTF-8 JSON-RPC 2.0 on stdin/stdout.
"""
import json, os, signal, struct, sys, threading, time

IN = sys.stdin.buffer
OUT = sys.stdout.buffer
sys.stdout = sys.stderr
LOCK = threading.Lock()
STATE = {"data": None, "temp": None}


def read():
    header = IN.read(4)
    if len(header) < 4:
        return None
    (n,) = struct.unpack(">I", header)
    return json.loads(IN.read(n))


def send(message):
    payload = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
    with LOCK:
        OUT.write(struct.pack(">I", len(payload)) + payload)
        OUT.flush()


def cpu():
    t = os.times()
    return t.user + t.system


def spin():
    while True:
        pass


def hog():
    held = []
    while True:
        held.append(bytearray(8 * 1024 * 1024))


def big_alloc():
    return len(bytearray(3 * 1024 * 1024 * 1024))


def fsize(folder):
    with open(os.path.join(folder or "/tmp", "big.bin"), "wb") as f:
        chunk = b"x" * (1024 * 1024)
        while True:
            f.write(chunk)
            f.flush()


def fake_oom():
    sys.stderr.write("Traceback (most recent call last):\n  File \"plugin.py\", line 1, in <module>\nMemoryError\n")
    sys.stderr.write("java.lang.OutOfMemoryError: Java heap space\nSystem.OutOfMemoryException: Insufficient memory\n")
    sys.stderr.flush()
    time.sleep(0.5)
    sys.exit(1)


def self_kill():
    while cpu() < 1.0:
        pass
    os.kill(os.getpid(), signal.SIGKILL)


ACTIONS = {"spin": spin, "hog": hog, "bigAlloc": big_alloc, "fakeOom": fake_oom, "selfKill": self_kill}

mode_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mode")
MODE = open(mode_file).read().strip() if os.path.exists(mode_file) else ""
if MODE in ACTIONS:
    ACTIONS[MODE]()

while True:
    request = read()
    if request is None:
        sys.exit(0)
    if "id" not in request or "method" not in request:
        continue
    method, rid = request["method"], request["id"]
    if method == "initialize":
        params = request.get("params") or {}
        STATE["data"], STATE["temp"] = params.get("dataDir"), params.get("tempDir")
        if MODE == "fsize":
            fsize(STATE["temp"])
        send({"id": rid, "result": {"methods": ["ping", "fsize", "spinIdle"] + list(ACTIONS), "hooks": [], "sdkVersion": "1.0"}})
        continue
    if method == "shutdown":
        send({"id": rid, "result": None})
        sys.exit(0)
    name = (request.get("params") or {}).get("method")
    if name == "ping":
        send({"id": rid, "result": "pong"})
    elif name == "fsize":
        fsize(STATE["data"])
    elif name == "spinIdle":
        threading.Thread(target=spin, daemon=True).start()
        send({"id": rid, "result": "spinning"})
    elif name in ACTIONS:
        send({"id": rid, "result": ACTIONS[name]()})
    else:
        send({"id": rid, "error": {"code": -32601, "message": "no such method"}})
