#!/usr/bin/env python3
"""A hostile Stockade plugin in plain Python: every attempt is reported, never thrown.

Escape methods return {"attempt", "succeeded", "error"}; protocol methods (garbage, oversize,
flood) break the framing on purpose and must get the worker ended by the host.
"""
import json
import os
import socket
import struct
import subprocess
import sys

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
}


class NotFound(Exception):
    """An unknown protocol method (-32601) or plugin method (-32004)."""

    def __init__(self, message, number):
        super().__init__(message)
        self.number = number


def answer(request):
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        return {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}
    if method == "invoke":
        if params.get("method") not in METHODS:
            raise NotFound("the plugin has no method '%s'" % params.get("method"), -32004)
        return METHODS[params["method"]](params.get("input") or {})
    raise NotFound("method '%s' is not known" % method, -32601)


def main():
    while True:
        request = read_message()
        if request is None or "id" not in request:
            if request is None:
                return 0
            continue
        if request.get("method") == "shutdown":
            send({"id": request["id"], "result": None})
            return 0
        try:
            send({"id": request["id"], "result": answer(request)})
        except NotFound as error:
            send({"id": request["id"], "error": {"code": error.number, "message": str(error), "data": {"code": "not_found"}}})


if __name__ == "__main__":
    sys.exit(main())
