#!/usr/bin/env python3
"""A chaotic Stockade plugin: each method breaks the protocol or the worker's life in one way.

After a malformed frame the plugin sleeps instead of exiting, so only the host can end it: a test that
finds the process still alive has found a host that did not notice. A file named ``chaos-mode`` beside
this script makes the plugin misbehave during start-up (before or while answering ``initialize``).
"""
import ctypes
import json
import os
import random
import struct
import sys
import threading
import time

PROTOCOL_IN = sys.stdin.buffer
PROTOCOL_OUT = sys.stdout.buffer
sys.stdout = sys.stderr  # print() must never reach the protocol stream
LOCK = threading.Lock()


def read_message():
    header = PROTOCOL_IN.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    payload = PROTOCOL_IN.read(length)
    if len(payload) < length:
        return None
    return json.loads(payload)


def raw(payload, declared=None):
    """One frame of raw bytes; declared overrides the length header."""
    with LOCK:
        PROTOCOL_OUT.write(struct.pack(">I", len(payload) if declared is None else declared) + payload)
        PROTOCOL_OUT.flush()


def send(message):
    raw(json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8"))


def linger():
    """Stay alive without reading: only the host can end this process now."""
    while True:
        time.sleep(3600)


def close_output():
    with LOCK:
        PROTOCOL_OUT.flush()
        os.close(1)


# ---- malformed frames: each is written and then the plugin lingers ----

FRAMES = {
    # invalid UTF-8 inside the method name of a request and of a notification
    "badUtf8Method": lambda: raw(b'{"jsonrpc":"2.0","id":"c1","method":"host.\xff\xfe\xc3","params":{}}'),
    "badUtf8Notification": lambda: raw(b'{"jsonrpc":"2.0","method":"host.\xc0\xaflog","params":{"level":"info","message":"x"}}'),
    # a lone surrogate escaped in JSON: valid JSON, not a valid string
    "loneSurrogate": lambda: raw(b'{"jsonrpc":"2.0","id":"c2","method":"host.\\ud800log","params":{}}'),
    # invalid UTF-8 inside a string value the host reads (a log message)
    "badUtf8Value": lambda: raw(b'{"jsonrpc":"2.0","method":"host.log","params":{"level":"info","message":"\xff\xfe"}}'),
    # the length header promises more than ever comes; the stream then ends
    "truncated": lambda: (raw(b'{"jsonrpc":"2.0","method":"host.log"', declared=4096), close_output()),
    # lengths the host must refuse without reading (or allocating) them
    "hugeLength": lambda: raw(b'{"jsonrpc":', declared=0xFFFFFFFF),
    "justOverLimit": lambda: raw(b'{', declared=16 * 1024 * 1024 + 1),
    "zeroLength": lambda: raw(b'', declared=0),
    # wrong types
    "idObject": lambda: send({"id": {"nested": 1}, "method": "host.log", "params": {"level": "info", "message": "x"}}),
    "idBool": lambda: send({"id": True, "method": "host.log", "params": {"level": "info", "message": "x"}}),
    "idHugeNumber": lambda: raw(b'{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"host.log","params":{}}'),
    "idFraction": lambda: raw(b'{"jsonrpc":"2.0","id":1.5,"method":"host.log","params":{}}'),
    "paramsNumber": lambda: send({"id": "p1", "method": "host.log", "params": 5}),
    "paramsWrongShape": lambda: send({"id": "p2", "method": "host.kv.get", "params": {"key": {"not": "a string"}}}),
    "methodNumber": lambda: send({"id": "m1", "method": 42}),
    "notAnObject": lambda: raw(b'[1,2,3]'),
    "missingVersion": lambda: raw(b'{"id":"v1","method":"host.log","params":{}}'),
    "deepNesting": lambda: raw(b'{"jsonrpc":"2.0","method":"host.log","params":' + b'[' * 5000 + b']' * 5000 + b'}'),
    # protocol misuse
    "unknownMethod": lambda: send({"id": "u1", "method": "host.doesNotExist", "params": {}}),
    "orphanResponse": lambda: send({"id": 987654321, "result": "an answer to nothing"}),
    "resultAndError": lambda: send({"id": 987654322, "result": 1, "error": {"code": 1, "message": "x"}}),
    "binaryGarbage": lambda: raw(bytes(random.Random(15).getrandbits(8) for _ in range(512))),
    "nulBytes": lambda: raw(b'\x00' * 64),
}


def crash():
    sys.stderr.flush()
    os._exit(3)


def segv():
    ctypes.string_at(0)


def close_idle(_arg):
    """Answer, then close the output a moment later while idle, and linger."""
    def later():
        time.sleep(0.3)
        close_output()
        linger()
    threading.Thread(target=later, daemon=True).start()
    return "closing"


def log_flood(arg):
    for number in range(int((arg or {}).get("count", 300))):
        send({"method": "host.log", "params": {"level": "info", "message": "flood %d" % number}})
    return "flooded"


METHODS = sorted(list(FRAMES) + ["ping", "pid", "closeMidCall", "crash", "segv", "hang", "closeIdle", "logFlood"])


def answer(request):
    if request.get("method") == "initialize":
        return {"methods": METHODS, "hooks": [], "sdkVersion": "1.0"}
    if request.get("method") != "invoke":
        raise KeyError(request.get("method"))
    params = request.get("params") or {}
    method = params.get("method")
    arg = params.get("input")
    if method == "ping":
        return "pong"
    if method == "pid":
        return os.getpid()
    if method in FRAMES:
        FRAMES[method]()
        linger()
    if method == "closeMidCall":
        close_output()
        linger()
    if method == "crash":
        crash()
    if method == "segv":
        segv()
    if method == "hang":
        linger()
    if method == "closeIdle":
        return close_idle(arg)
    if method == "logFlood":
        return log_flood(arg)
    raise KeyError(method)


def start_mode():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chaos-mode")
    try:
        with open(path, "r", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


def start(mode):
    """Misbehave during start-up; returns only when the mode is unknown."""
    if mode == "exitBeforeInit":
        crash()
    request = read_message()
    if mode == "initCrash":
        crash()
    if mode == "initSegv":
        segv()
    if mode == "initHang":
        linger()
    if mode == "initClose":
        close_output()
        linger()
    if mode in FRAMES:
        FRAMES[mode]()
        linger()
    return request


def main():
    mode = start_mode()
    pending = start(mode) if mode else None
    while True:
        request = pending or read_message()
        pending = None
        if request is None:
            return 0
        if "id" not in request or "method" not in request:
            continue  # a notification, or a late answer
        if request.get("method") == "shutdown":
            send({"id": request["id"], "result": None})
            return 0
        try:
            send({"id": request["id"], "result": answer(request)})
        except KeyError as error:
            send({"id": request["id"], "error": {"code": -32004, "message": "no method %s" % error, "data": {"code": "not_found"}}})


if __name__ == "__main__":
    sys.exit(main())
