#!/usr/bin/env python3
"""A hostile Stockade plugin in plain Python: every attempt is reported, never thrown.

Escape methods return {"attempt", "succeeded", "error"}; protocol methods (garbage, oversize,
flood) break the framing on purpose and must get the worker ended by the host.
"""
import ctypes
import errno as errnos
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

PROTOCOL_IN = sys.stdin.buffer
PROTOCOL_OUT = sys.stdout.buffer
sys.stdout = sys.stderr  # print() must never reach the protocol stream


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
    PROTOCOL_OUT.write(struct.pack(">I", len(payload)) + payload)
    PROTOCOL_OUT.flush()


def attempt(name, action):
    try:
        action()
        return {"attempt": name, "succeeded": True, "error": None}
    except Exception as error:  # pylint: disable=broad-except
        return {"attempt": name, "succeeded": False, "error": "%s: %s" % (type(error).__name__, error)}


def read_file(arg):
    def action():
        with open(arg["path"], "rb") as f:
            f.read()
    return attempt("readFile " + arg["path"], action)


def write_file(arg):
    def action():
        with open(arg["path"], "wb") as f:
            f.write(b"escaped")
    return attempt("writeFile " + arg["path"], action)


def connect_tcp(arg):
    def action():
        with socket.create_connection((arg.get("host", "127.0.0.1"), arg["port"]), timeout=3):
            pass
    return attempt("connectTcp %s" % arg["port"], action)


def udp_send(arg):
    def action():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"stockade", (arg.get("host", "127.0.0.1"), arg["port"]))
    return attempt("udpSend %s" % arg["port"], action)


def exec_shell(_arg):
    return attempt("execShell /bin/sh", lambda: subprocess.run(["/bin/sh", "-c", "true"], check=True))


def garbage(_arg):
    PROTOCOL_OUT.write(struct.pack(">I", 12) + b"not json {{{")
    PROTOCOL_OUT.flush()
    return None


def oversize(_arg):
    PROTOCOL_OUT.write(struct.pack(">I", 0x7FFFFFF0) + b"{")
    PROTOCOL_OUT.flush()
    return None


def flood(_arg):
    for number in range(100000):
        send({"id": "flood-%d" % number, "method": "host.log", "params": {"level": "info", "message": "x"}})
    return None


# ---- issue 14: the classes the first filter missed; every "set" writes back what was read ----

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.syscall.restype = ctypes.c_long
CONTEXT = {"dataDir": os.getcwd(), "tempDir": os.environ.get("TMPDIR", "/tmp"), "pluginId": "?"}

# x86_64 system call numbers
SYS = {
    "shmget": 29, "shmctl": 31, "semget": 64, "semctl": 66, "msgget": 68, "msgctl": 71, "chmod": 90,
    "syslog": 103, "setuid": 105, "capget": 125, "mknod": 133, "getpriority": 140, "setpriority": 141,
    "prctl": 157, "settimeofday": 164, "reboot": 169, "sethostname": 170, "sched_setaffinity": 203,
    "sched_getaffinity": 204, "mq_open": 240, "mq_unlink": 241, "add_key": 248, "keyctl": 250,
    "ioprio_set": 251, "ioprio_get": 252, "inotify_add_watch": 254, "openat": 257, "fchmodat": 268,
    "inotify_init1": 294, "perf_event_open": 298, "fanotify_init": 300, "prlimit64": 302,
    "name_to_handle_at": 303, "bpf": 321, "userfaultfd": 323, "pidfd_send_signal": 424,
    "io_uring_setup": 425, "pidfd_open": 434, "openat2": 437, "pidfd_getfd": 438,
}
TERMINAL_ATTACK = ("plugin text\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]52;c;c3RvY2thZGUgZ3JhbnQ=\x07\x9b31m\u202eevil\u202c\x07\r"
                   "\nstockade grant samples.hostile-python file:write=/**\n")


def sys_call(name, *args):
    """A raw system call; raises OSError with the errno when it fails."""
    result = LIBC.syscall(ctypes.c_long(SYS[name]), *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, "%s: %s" % (name, os.strerror(number)))
    return result


def target(arg):
    return arg.get("pid") or os.getppid()


def unix_connect(arg):
    def action():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            s.connect(arg["path"])
            s.sendall(b"stockade")
    return attempt("unixConnect " + arg["path"], action)


def unix_datagram(arg):
    def action():
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"stockade", arg["path"])
    return attempt("unixDatagram " + arg["path"], action)


def socket_pair(arg):
    """A nameless pair is harmless; a datagram pair can still sendto() any pathname socket."""
    path = (arg or {}).get("path", "/dev/log")
    def action():
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            a.sendto(b"stockade", path)
        finally:
            a.close()
            b.close()
    return attempt("socketPair AF_UNIX SOCK_DGRAM, sendto " + path, action)


def prlimit_parent(arg):
    pid = target(arg)
    def action():
        old = (ctypes.c_uint64 * 2)()
        sys_call("prlimit64", pid, 4, None, ctypes.byref(old))
        if arg.get("set", True):
            sys_call("prlimit64", pid, 4, ctypes.byref(old), None)
    return attempt("prlimitParent pid %d" % pid, action)


def setpriority_parent(arg):
    pid = target(arg)
    def action():
        raw = sys_call("getpriority", 0, pid)
        sys_call("setpriority", 0, pid, 20 - raw)
    return attempt("setpriorityParent pid %d" % pid, action)


def affinity_parent(arg):
    pid = target(arg)
    def action():
        mask = ctypes.create_string_buffer(128)
        size = sys_call("sched_getaffinity", pid, 128, mask)
        sys_call("sched_setaffinity", pid, size, mask)
    return attempt("affinityParent pid %d" % pid, action)


def ioprio_parent(arg):
    pid = target(arg)
    def action():
        current = sys_call("ioprio_get", 1, pid)
        sys_call("ioprio_set", 1, pid, current)
    return attempt("ioprioParent pid %d" % pid, action)


def clear_pdeathsig(_arg):
    return attempt("clearPdeathsig prctl(PR_SET_PDEATHSIG, 0)", lambda: sys_call("prctl", 1, 0, 0, 0, 0))


def orphan(arg):
    """Clears its parent-death signal, then outlives the call (arg['seconds'], default 120): a host killed meanwhile must take it along."""
    result = clear_pdeathsig(arg)
    time.sleep(arg.get("seconds") or 120)
    return result


def set_dumpable(_arg):
    def action():
        current = sys_call("prctl", 3, 0, 0, 0, 0)
        sys_call("prctl", 4, current, 0, 0, 0)
    return attempt("setDumpable prctl(PR_SET_DUMPABLE)", action)


def pidfd_parent(arg):
    pid = target(arg)
    return attempt("pidfdParent pid %d" % pid, lambda: os.close(sys_call("pidfd_open", pid, 0)))


def mode_attempt(name, file_name, bit, create):
    path = os.path.join(CONTEXT["dataDir"], file_name)
    try:
        os.unlink(path)
    except OSError:
        pass
    def action():
        create(path)
        mode = os.stat(path).st_mode
        if not mode & bit:
            raise PermissionError("the file exists but its mode is %o, without the bit" % mode)
    return attempt("%s %s" % (name, path), action)


def chmod_setuid(_arg):
    def create(path):
        with open(path, "wb") as f:
            f.write(b"#!/bin/sh\n")
        os.chmod(path, 0o4755)
    return mode_attempt("chmodSetuid 04755", "py-suid-chmod", 0o4000, create)


def open_setuid(_arg):
    return mode_attempt("openSetuid O_CREAT 04755", "py-suid-open", 0o4000,
                        lambda path: os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o4755)))


def mknod_setuid(_arg):
    return mode_attempt("mknodSetuid S_IFREG 04755", "py-suid-mknod", 0o4000,
                        lambda path: sys_call("mknod", path.encode(), 0o100000 | 0o4755, 0))


def reboot(_arg):
    def action():
        try:
            sys_call("reboot", 0xfee1dead, 0x12345678, 0x4321fedc, 0)
        except OSError as error:
            if error.errno != errnos.EINVAL:  # EINVAL: the capability check was passed, the magic was not
                raise
    return attempt("reboot RB_POWER_OFF (bad magic)", action)


def sethostname(_arg):
    def action():
        name = socket.gethostname().encode()
        sys_call("sethostname", name, len(name))
    return attempt("sethostname (same name)", action)


def settimeofday(_arg):
    return attempt("settimeofday (NULL, NULL)", lambda: sys_call("settimeofday", None, None))


def syslog_read(_arg):
    buffer = ctypes.create_string_buffer(4096)
    return attempt("syslogRead SYSLOG_ACTION_READ_ALL", lambda: sys_call("syslog", 3, buffer, 4096))


def fanotify(_arg):
    return attempt("fanotify init", lambda: os.close(sys_call("fanotify_init", 0, 0)))


def setuid_root(_arg):
    return attempt("setuidRoot setuid(0)", lambda: sys_call("setuid", 0))


def real_root():
    """uid 0 is the machine's root unless a user namespace maps it to another uid outside."""
    try:
        with open("/proc/self/uid_map") as f:
            for line in f:
                inside, outside, _count = line.split()
                if inside == "0":
                    return outside == "0"
    except OSError:
        pass
    return True


def capabilities(_arg):
    try:
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)
        data = (ctypes.c_uint32 * 6)()
        sys_call("capget", ctypes.byref(header), ctypes.byref(data))
        effective = data[0] | (data[3] << 32)
        held = effective != 0 or (os.geteuid() == 0 and real_root())
        return {"attempt": "capabilities capget", "succeeded": held,
                "error": "effective capabilities 0x%x, euid %d" % (effective, os.geteuid())}
    except Exception as error:  # pylint: disable=broad-except
        return {"attempt": "capabilities capget", "succeeded": False, "error": "%s: %s" % (type(error).__name__, error)}


def sysv_shm(_arg):
    def action():
        ident = sys_call("shmget", 0, 1 << 20, 0o1000 | 0o600)
        LIBC.syscall(ctypes.c_long(SYS["shmctl"]), ctypes.c_long(ident), ctypes.c_long(0), None)
    return attempt("sysvShm shmget(IPC_PRIVATE)", action)


def sysv_msg(_arg):
    def action():
        ident = sys_call("msgget", 0, 0o1000 | 0o600)
        LIBC.syscall(ctypes.c_long(SYS["msgctl"]), ctypes.c_long(ident), ctypes.c_long(0), None)
    return attempt("sysvMsg msgget(IPC_PRIVATE)", action)


def sysv_sem(_arg):
    def action():
        ident = sys_call("semget", 0, 1, 0o1000 | 0o600)
        LIBC.syscall(ctypes.c_long(SYS["semctl"]), ctypes.c_long(ident), ctypes.c_long(0), ctypes.c_long(0), None)
    return attempt("sysvSem semget(IPC_PRIVATE)", action)


def posix_mq(arg):
    name = (arg.get("name") or "stockade-hostile-py-%d" % os.getpid()).encode()
    def action():
        os.close(sys_call("mq_open", name, os.O_RDWR | os.O_CREAT, 0o600, None))
        LIBC.syscall(ctypes.c_long(SYS["mq_unlink"]), name)
    return attempt("posixMq mq_open(O_CREAT)", action)


def inotify_watch(arg):
    path = arg.get("path") or "/etc"
    def action():
        fd = sys_call("inotify_init1", 0o2000000)
        try:
            sys_call("inotify_add_watch", fd, path.encode(), 0xfff)
        finally:
            os.close(fd)
    return attempt("inotifyWatch " + path, action)


def add_key(_arg):
    return attempt("addKey user:stockade", lambda: sys_call("add_key", b"user", b"stockade-hostile-py", b"x", 1, -2))


def io_uring(_arg):
    params = ctypes.create_string_buffer(120)
    return attempt("ioUring io_uring_setup", lambda: os.close(sys_call("io_uring_setup", 1, params)))


def userfaultfd(_arg):
    return attempt("userfaultfd", lambda: os.close(sys_call("userfaultfd", 0o2000000)))


def openat2_outside(arg):
    path = arg.get("path") or "/etc/shadow"
    def action():
        how = (ctypes.c_uint64 * 3)(0o2000000, 0, 0)
        os.close(sys_call("openat2", -100, path.encode(), ctypes.byref(how), 24))
    return attempt("openat2Outside " + path, action)


def swapper(arg):
    """Swaps folders of $TEMP (or $PLUGIN_DATA) for symlinks to arg['path'] in a background thread."""
    victim = arg.get("path") or "/"
    root = CONTEXT["dataDir"] if arg.get("name") == "data" else CONTEXT["tempDir"]
    until = time.time() + (arg.get("seconds") or 60)

    def swap():
        while time.time() < until:
            for number in range(8):
                folder = os.path.join(root, "pyswap-%d" % number)
                aside = folder + ".aside"
                try:
                    if not os.path.lexists(folder) and not os.path.exists(aside):
                        os.makedirs(os.path.join(folder, "inner"))
                        for f in range(16):
                            open(os.path.join(folder, "f%d" % f), "wb").close()
                    os.rename(folder, aside)
                    os.symlink(victim, folder)
                    time.sleep(0.001)  # about as long a link as a folder
                    os.unlink(folder)
                    os.rename(aside, folder)
                    time.sleep(0.001)
                except OSError:
                    try:
                        if os.path.islink(folder):
                            os.unlink(folder)
                    except OSError:
                        pass

    def action():
        os.makedirs(root, exist_ok=True)
        threading.Thread(target=swap, daemon=True).start()
    return attempt("swapper %s -> %s" % (root, victim), action)


def terminal_error(_arg):
    """Answers with a JSON-RPC permission_denied error whose message and permission attack the terminal."""
    raise RpcError(-32001, TERMINAL_ATTACK, {"code": "permission_denied", "permission": "file:read=/x" + TERMINAL_ATTACK})


def terminal_denial(_arg):
    """Reports a kernel denial of a path made of escape sequences, then fails: the host builds advice from it."""
    notify("host.denial", {"kind": "file", "path": "/x" + TERMINAL_ATTACK, "operation": "read", "errno": 13})
    time.sleep(0.2)
    raise RpcError(-32603, "Access to the path '/x" + TERMINAL_ATTACK + "' is denied.", {"code": "internal"})


def terminal_throw(_arg):
    raise RpcError(-32603, TERMINAL_ATTACK, {"code": "internal", "type": "System.Exception" + TERMINAL_ATTACK})


def stderr_flood(arg):
    """Writes arg['mb'] MiB (default 256) to stderr as one line without a newline."""
    chunk = b"B" * (1 << 20)
    def action():
        for _ in range(arg.get("mb") or 256):
            os.write(2, chunk)
    return attempt("stderrFlood %d MiB" % (arg.get("mb") or 256), action)


def denial_flood(arg):
    """Sends arg['count'] host.denial notifications (default 100000) as fast as the pipe takes them."""
    count = arg.get("count") or 100000
    def action():
        for number in range(count):
            notify("host.denial", {"kind": "file", "path": "/flood/%d" % number, "operation": "read", "errno": 13})
    return attempt("denialFlood %d" % count, action)


def unread_answers(arg):
    """Sends arg['count'] brokered requests (default 200) for arg['url'] (else host.log) and reads no answer for arg['seconds']."""
    count = arg.get("count") or 200
    url = arg.get("url")
    def action():
        for number in range(count):
            if url:
                send({"id": "unread-%d" % number, "method": "host.http.request", "params": {"method": "GET", "url": url}})
            else:
                send({"id": "unread-%d" % number, "method": "host.log", "params": {"level": "info", "message": "unread"}})
        time.sleep(arg.get("seconds") or 10)
    return attempt("unreadAnswers %d" % count, action)


def maximal_frames(arg):
    """Sends arg['count'] frames (default 64) of just under the 16 MiB limit, each a host.log request."""
    count = arg.get("count") or 64
    size = arg.get("size") or (16 * 1024 * 1024 - 4096)
    def action():
        body = b'{"jsonrpc":"2.0","method":"host.log","params":{"level":"info","message":"' + b"M" * (size - 100) + b'"}}'
        frame = struct.pack(">I", len(body)) + body
        for _ in range(count):
            PROTOCOL_OUT.write(frame)
            PROTOCOL_OUT.flush()
    return attempt("maximalFrames %d" % count, action)


def broker_fetch(arg):
    """Asks the broker to fetch arg['url'] (network:request=*); succeeded when it answered at all."""
    url = arg.get("url") or "http://169.254.169.254/"
    def action():
        answer_message = call_host("host.http.request", {"method": "GET", "url": url, "headers": {}})
        if "error" in answer_message:
            raise PermissionError(json.dumps(answer_message["error"]))
    return attempt("brokerFetch " + url, action)


def env_sweep(arg):
    names = arg.get("names") or []
    visible = [n for n in names if n in os.environ]
    return {"attempt": "envSweep %d names" % len(names), "succeeded": bool(visible),
            "error": ("visible: " + ", ".join(visible)) if visible else "none visible"}


def notify(method, params):
    send({"method": method, "params": params})


PENDING = []


def call_host(method, params):
    """Sends a request to the host and reads until its answer; requests of the host met meanwhile wait."""
    ident = "call-%f" % time.time()
    send({"id": ident, "method": method, "params": params})
    while True:
        message = read_message()
        if message is None:
            raise EOFError("the host closed the protocol")
        if message.get("id") == ident and "method" not in message:
            return message
        PENDING.append(message)


class RpcError(Exception):
    """A JSON-RPC error answer chosen by the plugin."""

    def __init__(self, number, message, data):
        super().__init__(message)
        self.number = number
        self.data = data


METHODS = {
    "readFile": read_file,
    "writeFile": write_file,
    "connectTcp": connect_tcp,
    "udpSend": udp_send,
    "execShell": exec_shell,
    "garbage": garbage,
    "oversize": oversize,
    "flood": flood,
    "ping": lambda _arg: "pong",
    "unixConnect": unix_connect,
    "unixDatagram": unix_datagram,
    "socketPair": socket_pair,
    "prlimitParent": prlimit_parent,
    "setpriorityParent": setpriority_parent,
    "affinityParent": affinity_parent,
    "ioprioParent": ioprio_parent,
    "clearPdeathsig": clear_pdeathsig,
    "setDumpable": set_dumpable,
    "orphan": orphan,
    "pidfdParent": pidfd_parent,
    "chmodSetuid": chmod_setuid,
    "openSetuid": open_setuid,
    "mknodSetuid": mknod_setuid,
    "reboot": reboot,
    "sethostname": sethostname,
    "settimeofday": settimeofday,
    "syslogRead": syslog_read,
    "fanotify": fanotify,
    "setuidRoot": setuid_root,
    "capabilities": capabilities,
    "sysvShm": sysv_shm,
    "sysvMsg": sysv_msg,
    "sysvSem": sysv_sem,
    "posixMq": posix_mq,
    "inotifyWatch": inotify_watch,
    "addKey": add_key,
    "ioUring": io_uring,
    "userfaultfd": userfaultfd,
    "openat2Outside": openat2_outside,
    "swapper": swapper,
    "terminalError": terminal_error,
    "terminalDenial": terminal_denial,
    "terminalThrow": terminal_throw,
    "stderrFlood": stderr_flood,
    "denialFlood": denial_flood,
    "unreadAnswers": unread_answers,
    "maximalFrames": maximal_frames,
    "brokerFetch": broker_fetch,
    "envSweep": env_sweep,
}


class NotFound(Exception):
    """An unknown protocol method (-32601) or plugin method (-32004)."""

    def __init__(self, message, number):
        super().__init__(message)
        self.number = number


def answer(request):
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        CONTEXT.update({k: params[k] for k in ("dataDir", "tempDir", "pluginId") if k in params})
        return {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}
    if method == "invoke":
        if params.get("method") not in METHODS:
            raise NotFound("the plugin has no method '%s'" % params.get("method"), -32004)
        return METHODS[params["method"]](params.get("input") or {})
    raise NotFound("method '%s' is not known" % method, -32601)


def main():
    while True:
        request = PENDING.pop(0) if PENDING else read_message()
        if request is None or "id" not in request or "method" not in request:
            if request is None:
                return 0
            continue  # a notification, or a late answer to a request of ours
        if request.get("method") == "shutdown":
            send({"id": request["id"], "result": None})
            return 0
        try:
            send({"id": request["id"], "result": answer(request)})
        except NotFound as error:
            send({"id": request["id"], "error": {"code": error.number, "message": str(error), "data": {"code": "not_found"}}})
        except RpcError as error:
            send({"id": request["id"], "error": {"code": error.number, "message": str(error), "data": error.data}})


if __name__ == "__main__":
    sys.exit(main())
