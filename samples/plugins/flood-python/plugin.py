#!/usr/bin/env python3
"""A flooding Stockade plugin in plain Python: it sends what costs the host most and reads as little as it can.

bigFrames   {count, bytes}   host.log notifications of `bytes` bytes each (a 16 MiB frame at most), back to back
askNoRead   {count, idBytes} `count` malformed host.kv.get requests with long ids, never reading the answers
denials     {seconds, perSecond}   host.denial reports for `seconds` (as fast as it can when perSecond is 0)
logs        {seconds}        host.log lines for `seconds`, as fast as it can
"""
import json
import struct
import sys
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


def frame(message):
    payload = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
    return struct.pack(">I", len(payload)) + payload


def send(message):
    PROTOCOL_OUT.write(frame(message))
    PROTOCOL_OUT.flush()


def big_frames(arg):
    size = int(arg.get("bytes", 16 * 1024 * 1024))
    # The envelope takes about 80 bytes of the frame; the message fills the rest.
    body = "x" * max(1, size - 80)
    data = frame({"method": "host.log", "params": {"level": "info", "message": body}})
    for _ in range(int(arg.get("count", 1))):
        PROTOCOL_OUT.write(data)
    PROTOCOL_OUT.flush()
    return {"sent": int(arg.get("count", 1)), "frameBytes": len(data) - 4}


def ask_no_read(arg):
    # A key that is a number, not a string: the host answers invalid_params at once, without touching its store or audit.
    # Each id is long (`idBytes`), and an answer repeats its request's id. Sent in batches of 16 with a pause, so that
    # far fewer than the 64 allowed ever wait for an answer: the answers pile up in front of an input nobody reads.
    count, pad, sent = int(arg.get("count", 100000)), "x" * int(arg.get("idBytes", 60000)), 0
    while sent < count:
        PROTOCOL_OUT.write(b"".join(frame({"id": "ask-%d-%s" % (n, pad), "method": "host.kv.get", "params": {"key": n}})
                                    for n in range(sent, min(count, sent + 16))))
        PROTOCOL_OUT.flush()
        sent += 16
        time.sleep(0.005)
    while True:  # never reads its input again: the host's answers have nowhere to go
        time.sleep(3600)


def denials(arg):
    seconds, per_second = float(arg.get("seconds", 5)), float(arg.get("perSecond", 0))
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        burst = 100 if per_second == 0 else max(1, int(per_second / 50))
        PROTOCOL_OUT.write(b"".join(
            frame({"method": "host.denial", "params": {"kind": "file", "path": "/etc/flood-%d" % (sent + n),
                                                       "operation": "read", "errno": 13}})
            for n in range(burst)))
        PROTOCOL_OUT.flush()
        sent += burst
        if per_second > 0:
            time.sleep(burst / per_second)
    return {"sent": sent}


def logs(arg):
    seconds = float(arg.get("seconds", 5))
    start, sent = time.monotonic(), 0
    line = frame({"method": "host.log", "params": {"level": "info", "message": "flood " * 20}})
    while time.monotonic() - start < seconds:
        PROTOCOL_OUT.write(line * 100)
        PROTOCOL_OUT.flush()
        sent += 100
    return {"sent": sent}


METHODS = {
    "bigFrames": big_frames,
    "askNoRead": ask_no_read,
    "denials": denials,
    "logs": logs,
    "ping": lambda _arg: "pong",
}


def answer(request):
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        return {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}
    if method == "invoke":
        if params.get("method") not in METHODS:
            raise KeyError(params.get("method"))
        return METHODS[params["method"]](params.get("input") or {})
    raise KeyError(method)


def main():
    while True:
        request = read_message()
        if request is None:
            return 0
        if "id" not in request or "method" not in request:
            continue  # a notification, or an answer to one of our requests
        if request.get("method") == "shutdown":
            send({"id": request["id"], "result": None})
            return 0
        try:
            send({"id": request["id"], "result": answer(request)})
        except KeyError as error:
            send({"id": request["id"], "error": {"code": -32004, "message": "no method %s" % error,
                                                 "data": {"code": "not_found"}}})


if __name__ == "__main__":
    sys.exit(main())
