#!/usr/bin/env python3
"""The test kit's Python plugin: 'read' opens a file with plain Python and reports the content or the errno."""
import json
import struct
import sys

IN = sys.stdin.buffer
OUT = sys.stdout.buffer
sys.stdout = sys.stderr  # the protocol stream is for frames only


def receive():
    header = IN.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    body = IN.read(size)
    return json.loads(body) if len(body) == size else None


def reply(message):
    data = json.dumps(dict(message, jsonrpc="2.0")).encode("utf-8")
    OUT.write(struct.pack(">I", len(data)) + data)
    OUT.flush()


def read(arg):
    try:
        with open(arg["path"], "r", encoding="utf-8") as handle:
            return {"ok": True, "content": handle.read()}
    except OSError as error:
        return {"ok": False, "errno": error.errno, "error": error.strerror}


def main():
    while True:
        request = receive()
        if request is None:
            return 0
        if "id" not in request:
            continue
        method, params = request.get("method"), request.get("params") or {}
        if method == "shutdown":
            reply({"id": request["id"], "result": None})
            return 0
        if method == "initialize":
            reply({"id": request["id"], "result": {"methods": ["read"], "hooks": [], "sdkVersion": "1.0"}})
        elif method == "invoke" and params.get("method") == "read":
            reply({"id": request["id"], "result": read(params.get("input") or {})})
        else:
            reply({"id": request["id"], "error": {"code": -32601, "message": "unknown method", "data": {"code": "not_found"}}})


if __name__ == "__main__":
    sys.exit(main())
