#!/usr/bin/env python3
"""Issue 16's hostile plugin in Python: each method exhausts one resource the kernel must hold.

Nothing here cooperates. A hog does not catch the error that stops it (Python's MemoryError ends the process,
traceback and exit 1, as an unaware plugin would); a bomb keeps retrying after a refusal; a spinner never yields.
Every attack is capped far above any limit a test sets, so a host that holds nothing still ends with a bounded
machine. The liar prints what an out-of-memory death looks like and exits 1 without allocating anything: a
plugin's own text must never decide a verdict.
"""
import json
import mmap
import os
import signal
import struct
import sys
import threading
import time

PROTOCOL_IN = sys.stdin.buffer
PROTOCOL_OUT = sys.stdout.buffer
sys.stdout = sys.stderr  # print() must never reach the protocol stream
LOCK = threading.Lock()
CONTEXT = {"dataDir": os.getcwd()}
MB = 1024 * 1024
CAP_MB = 1536  # no attack takes more than this, whatever the host does
HOARD = []


def read_message():
    header = PROTOCOL_IN.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    payload = PROTOCOL_IN.read(length)
    if len(payload) < length:
        return None
    return json.loads(payload)


def send(message):
    payload = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
    with LOCK:
        PROTOCOL_OUT.write(struct.pack(">I", len(payload)) + payload)
        PROTOCOL_OUT.flush()


def hold():
    """Keeps what was taken and never answers: only the host can end this now."""
    while True:
        time.sleep(3600)


# ---- memory ----

def hog_private(arg):
    """Private anonymous memory, every page written; MemoryError is not caught."""
    step = int(arg.get("stepMb", 8)) * MB
    for _ in range(CAP_MB * MB // step):
        HOARD.append(b"\x01" * step)
    hold()


def touch(view, size):
    for offset in range(0, size, 4096):
        view[offset] = 1


def hog_shared(arg):
    """MAP_SHARED|MAP_ANONYMOUS: RLIMIT_DATA does not count it; a memory cgroup does."""
    step = int(arg.get("stepMb", 16)) * MB
    for _ in range(CAP_MB * MB // step):
        region = mmap.mmap(-1, step, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        touch(region, step)
        HOARD.append(region)
    hold()


def hog_memfd(arg):
    """A memfd grown and written through a shared mapping (shmem, charged to the cgroup)."""
    step = int(arg.get("stepMb", 16)) * MB
    try:
        fd = os.memfd_create("hog", 0)
    except (OSError, AttributeError) as error:
        return {"refused": "memfd_create: %s" % error}
    size = 0
    for _ in range(CAP_MB * MB // step):
        os.ftruncate(fd, size + step)
        region = mmap.mmap(fd, step, flags=mmap.MAP_SHARED, offset=size)
        touch(region, step)
        HOARD.append(region)
        size += step
    hold()


def hog_dev_shm(arg):
    """Files in /dev/shm (tmpfs pages, charged to whoever writes them) when the sandbox lets it reach there."""
    step = int(arg.get("stepMb", 16)) * MB
    chunk = b"\x01" * step
    path = "/dev/shm/stockade-issue16-%d" % os.getpid()
    try:
        handle = open(path, "wb")
    except OSError as error:
        return {"refused": "/dev/shm: %s" % error}
    os.unlink(path)  # nothing is left behind when the process dies
    for _ in range(CAP_MB * MB // step):
        handle.write(chunk)
        handle.flush()
    hold()


def liar(_arg):
    """Prints an out-of-memory death and exits 1, having allocated nothing."""
    sys.stderr.write("Traceback (most recent call last):\n  File \"plugin.py\", line 1, in hog\n"
                     "MemoryError: out of memory (memory limit 128 MB reached)\nKilled: oom-kill\n")
    sys.stderr.flush()
    os._exit(1)


# ---- CPU ----

def spin(_arg):
    """Never yields; only a quota, RLIMIT_CPU or the host ends it."""
    x = 0
    while True:
        x += 1


# ---- tasks ----

def fork_bomb(arg):
    """Forks sleeping children and keeps retrying after every refusal (granted subprocess)."""
    cap = int(arg.get("cap", 64))
    children = 0
    refusals = 0
    deadline = time.monotonic() + float(arg.get("seconds", 120))
    while time.monotonic() < deadline:
        if children >= cap:
            hold()
        try:
            pid = os.fork()
        except OSError:
            refusals += 1
            time.sleep(0.01)
            continue
        if pid == 0:
            # The child: a bomb of its own, as far as the kernel lets it.
            try:
                os.fork()
            except OSError:
                pass
            while True:
                time.sleep(3600)
        children += 1
    return {"children": children, "refusals": refusals}


def sleeper():
    while True:
        time.sleep(3600)


def thread_bomb(arg):
    """Starts sleeping threads and keeps retrying after every refusal."""
    # Small stacks, as a real bomb would use: with the default 8 MiB ones RLIMIT_DATA (memoryMb) refuses the 16th
    # thread long before the task limit is reached.
    threading.stack_size(256 * 1024)
    cap = int(arg.get("cap", 5000))
    started = 0
    refusals = 0
    deadline = time.monotonic() + float(arg.get("seconds", 120))
    while time.monotonic() < deadline:
        if started >= cap:
            hold()
        try:
            threading.Thread(target=sleeper, daemon=True).start()
            started += 1
        except RuntimeError:
            refusals += 1
            time.sleep(0.01)
    return {"threads": started, "refusals": refusals}


# ---- disk ----

def fill_disk(arg):
    """1 MiB files in $PLUGIN_DATA until something stops it; errors are not caught."""
    chunk = b"\x02" * MB
    for number in range(CAP_MB):
        with open(os.path.join(CONTEXT["dataDir"], "fill-%d.bin" % number), "wb") as handle:
            handle.write(chunk)
        time.sleep(float(arg.get("pause", 0.005)))
    hold()


def big_file(arg):
    """One file in $PLUGIN_DATA past the single-file limit. With signal=true SIGXFSZ is reset to its default
    (the kernel kills the process at the limit); otherwise the EFBIG error is not caught."""
    if arg.get("signal"):
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    chunk = b"\x03" * MB
    with open(os.path.join(CONTEXT["dataDir"], "big.bin"), "wb") as handle:
        for _ in range(int(arg.get("mb", 256))):
            handle.write(chunk)
            handle.flush()
    return {"written": int(arg.get("mb", 256))}


# ---- the cgroup itself ----

def cgroup_escape(_arg):
    """Tries every way out of (or into) its own cgroups: write its pid to its parent's and the root's cgroup.procs and
    tasks, raise its memory and pids limits, set notify_on_release, read release_agent. Returns what the kernel (or
    Landlock) said for each; "ok" anywhere is an escape."""
    me = str(os.getpid())
    tried = {}

    def attempt(label, path, value=None):
        try:
            if value is None:
                with open(path) as handle:
                    handle.read(64)
            else:
                with open(path, "w") as handle:
                    handle.write(value)
            tried[label + " " + path] = "ok"
        except OSError as error:
            tried[label + " " + path] = "errno %d" % error.errno

    try:
        with open("/proc/self/cgroup") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        return {"refused": "cannot read /proc/self/cgroup: errno %d" % error.errno, "tried": tried}
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        roots = ["/sys/fs/cgroup/unified"] if controllers == "" else ["/sys/fs/cgroup/" + c for c in controllers.split(",") if c]
        if controllers == "":
            roots.append("/sys/fs/cgroup")
        for root in roots:
            own = root + path
            parent = os.path.dirname(own.rstrip("/"))
            for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.max", "pids.max", "cpu.cfs_quota_us", "cpu.max", "notify_on_release", "freezer.state", "cgroup.subtree_control"):
                attempt("write", os.path.join(own, name), "-1" if name != "notify_on_release" else "1")
            for target in (parent, root):
                attempt("join", os.path.join(target, "cgroup.procs"), me)
                attempt("join", os.path.join(target, "tasks"), me)
            try:
                os.mkdir(os.path.join(own, "escape"))
                tried["mkdir " + own] = "ok"
            except OSError as error:
                tried["mkdir " + own] = "errno %d" % error.errno
            attempt("read", os.path.join(root, "release_agent"))
            attempt("write", os.path.join(root, "release_agent"), "/tmp/x")
    escaped = sorted(k for k, v in tried.items() if v == "ok" and not k.startswith("read"))
    return {"escaped": escaped, "tried": tried}


# ---- what the host shows ----

def stderr_escapes(arg):
    """Writes terminal control sequences, bidi overrides and an overlong line to stderr, then crashes (exit 1): the
    host must never show any of them raw."""
    sys.stderr.write("\x1b]0;owned-title\x07\x1b[2J\x1b[31mRED\x1b[0m \u202eevil\u202c \x9b31m C1 \r overwritten\n")
    sys.stderr.write("A" * int(arg.get("long", 100000)) + "\n")
    sys.stderr.write("\x1b[8mhidden\x1b[0m MemoryError \x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\\n")
    sys.stderr.flush()
    os._exit(1)


def fill_then_abort(arg):
    """Takes memory up to a share of its limit (within its rights), lets it go, says it ran out and aborts: a crash,
    whatever the counters show, unless the cgroup refused it something."""
    mb = int(arg.get("mb", 64))
    block = bytearray(mb * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    del block
    sys.stderr.write("MemoryError: out of memory\n")
    sys.stderr.flush()
    os.abort()


# ---- children that try to outlive the worker ----

def escapers(arg):
    """Children that try every way to outlive the worker (granted subprocess): a double fork whose grandchild is
    reparented, setsid, a new process group, SIGTERM/SIGHUP ignored, and one that keeps forking a replacement of
    itself. Returns their pids; they never exit by themselves."""
    pids = []
    read_end, write_end = os.pipe()
    for kind in ("doublefork", "setsid", "pgrp", "respawner"):
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                    signal.signal(sig, signal.SIG_IGN)
                if kind == "doublefork":
                    if os.fork() != 0:
                        os._exit(0)
                    os.setsid()
                elif kind == "setsid":
                    os.setsid()
                elif kind == "pgrp":
                    os.setpgid(0, 0)
                os.write(write_end, (str(os.getpid()) + "\n").encode())
                if kind == "respawner":
                    while True:
                        try:
                            child = os.fork()
                        except OSError:
                            time.sleep(0.005)
                            continue
                        if child != 0:
                            os._exit(0)  # the parent goes, its copy goes on: a moving target
                        time.sleep(0.02)
                while True:
                    time.sleep(3600)
            finally:
                os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as handle:
        for _ in range(4):
            line = handle.readline()
            if line.strip():
                pids.append(int(line))
    return {"children": pids}


METHODS = {
    "ping": lambda _arg: "pong",
    "pid": lambda _arg: os.getpid(),
    "hogPrivate": hog_private,
    "hogShared": hog_shared,
    "hogMemfd": hog_memfd,
    "hogDevShm": hog_dev_shm,
    "liar": liar,
    "spin": spin,
    "forkBomb": fork_bomb,
    "threadBomb": thread_bomb,
    "fillDisk": fill_disk,
    "bigFile": big_file,
    "cgroupEscape": cgroup_escape,
    "stderrEscapes": stderr_escapes,
    "fillThenAbort": fill_then_abort,
    "escapers": escapers,
}


def answer(request):
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        CONTEXT.update({k: params[k] for k in ("dataDir",) if k in params})
        return {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}
    if method == "invoke" and params.get("method") in METHODS:
        return METHODS[params["method"]](params.get("input") or {})
    raise KeyError(params.get("method") or method)


def main():
    while True:
        request = read_message()
        if request is None:
            return 0
        if "id" not in request or "method" not in request:
            continue
        if request.get("method") == "shutdown":
            send({"id": request["id"], "result": None})
            return 0
        try:
            send({"id": request["id"], "result": answer(request)})
        except KeyError as error:
            send({"id": request["id"], "error": {"code": -32004, "message": "no method %s" % error, "data": {"code": "not_found"}}})
        # Anything else (MemoryError, OSError of a full disk or EFBIG) ends the process with its traceback, exit 1.


if __name__ == "__main__":
    sys.exit(main())
