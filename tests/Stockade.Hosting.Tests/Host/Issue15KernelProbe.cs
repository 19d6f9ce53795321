namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A small Python plugin that makes denied system calls on request and reports the errno it saw, looks for a seccomp
/// listener among its descriptors, and tries to answer seccomp notifications itself. Written here, not as a sample: it
/// is a probe of the host's kernel observation, not an example for plugin authors.
/// </summary>
internal static class Issue15KernelProbe
{
    public const string Source = """
        #!/usr/bin/env python3
        import ctypes, json, os, struct, sys, threading, time
        IN, OUT = sys.stdin.buffer, sys.stdout.buffer
        sys.stdout = sys.stderr
        LIBC = ctypes.CDLL(None, use_errno=True)
        LIBC.syscall.restype = ctypes.c_long
        SYS = {"shmget": 29, "ptrace": 101, "socket": 41, "getppid": 110, "ioctl": 16, "msgget": 68,
               "sched_getaffinity": 204, "sched_getscheduler": 145, "sched_setscheduler": 144, "gettid": 186}

        def call(name, *args):
            ctypes.set_errno(0)
            result = LIBC.syscall(ctypes.c_long(SYS[name]), *[ctypes.c_long(a) for a in args])
            return 0 if result >= 0 else ctypes.get_errno()

        def denied(arg):
            name, count = arg["syscall"], int(arg.get("count", 1))
            args = {"shmget": (0, 4096, 0o1000 | 0o600), "ptrace": (0, 0, 0), "socket": (2, 1, 0), "msgget": (0, 0o1000 | 0o600)}[name]
            start = time.perf_counter()
            errnos = [call(name, *args) for _ in range(count)]
            elapsed = time.perf_counter() - start
            return {"errnos": sorted(set(errnos)), "microsPerCall": elapsed * 1e6 / count}

        def allowed(arg):
            count = int(arg.get("count", 1))
            start = time.perf_counter()
            for _ in range(count):
                call("getppid")
            return {"microsPerCall": (time.perf_counter() - start) * 1e6 / count}

        def descriptors(_arg):
            links = []
            for fd in os.listdir("/proc/self/fd"):
                try:
                    links.append(fd + " " + os.readlink("/proc/self/fd/" + fd))
                except OSError as error:
                    links.append(fd + " ? " + str(error))
            return {"links": links}

        def answer_own(_arg):
            # SECCOMP_IOCTL_NOTIF_RECV / NOTIF_SEND on every descriptor this process could hold.
            answered = []
            buffer = ctypes.create_string_buffer(80)
            response = ctypes.create_string_buffer(24)
            for fd in range(0, 1024):
                for request in (0xc0502100, 0xc0182101):
                    ctypes.set_errno(0)
                    if LIBC.ioctl(fd, ctypes.c_ulong(request), buffer if request == 0xc0502100 else response) == 0:
                        answered.append(fd)
            return {"answered": answered, "lastErrno": ctypes.get_errno()}

        def sched_query(arg):
            # From a new thread, as glibc's pthread_getattr_np does: about that thread by its tid, or about a pid that
            # is no thread of this process.
            out = {}
            def run():
                tid = LIBC.syscall(ctypes.c_long(SYS["gettid"]))
                target = tid if arg["who"] == "thread" else 4194301
                mask = ctypes.create_string_buffer(128)
                param = ctypes.c_int(0)  # SCHED_OTHER, priority 0: what the runtime sets on its threads
                out["errnos"] = [call("sched_getaffinity", target, 128, ctypes.addressof(mask)), call("sched_getscheduler", target),
                                 call("sched_setscheduler", target, 0, ctypes.addressof(param))]
                out["tidIsPid"] = tid == os.getpid()
            worker = threading.Thread(target=run)
            worker.start()
            worker.join()
            return out

        METHODS = {"schedQuery": sched_query, "denied": denied, "allowed": allowed, "descriptors": descriptors, "answerOwn": answer_own}

        def read():
            header = IN.read(4)
            if len(header) < 4:
                return None
            (length,) = struct.unpack(">I", header)
            return json.loads(IN.read(length))

        def send(message):
            payload = json.dumps(dict(message, jsonrpc="2.0")).encode()
            OUT.write(struct.pack(">I", len(payload)) + payload)
            OUT.flush()

        while True:
            request = read()
            if request is None:
                sys.exit(0)
            if "id" not in request:
                continue
            method, params = request.get("method"), request.get("params") or {}
            if method == "initialize":
                send({"id": request["id"], "result": {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}})
            elif method == "shutdown":
                send({"id": request["id"], "result": None})
                sys.exit(0)
            elif method == "invoke":
                send({"id": request["id"], "result": METHODS[params["method"]](params.get("input") or {})})
            else:
                send({"id": request["id"], "error": {"code": -32601, "message": "unknown", "data": {"code": "not_found"}}})
        """;

    /// <summary>A copy of hello-python with the probe as its entry.</summary>
    public static string Create(HostWorld world, string id)
    {
        var folder = world.Plugin("hello-python", id, """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 120s, hook: 5s }
            resources: { memoryMb: 128, openFiles: 64 }
            """);
        var entry = Path.Combine(folder, "plugin.py");
        File.WriteAllText(entry, Source.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(entry, (UnixFileMode)0b111_101_101);
        return folder;
    }
}
