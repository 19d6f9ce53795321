#!/usr/bin/env python3
"""A Stockade plugin in plain Python: 4-byte big-endian length frames of JSON-RPC 2.0 on stdin/stdout."""
import json
import struct
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


class NotFound(Exception):
    """An unknown protocol method (-32601) or plugin method (-32004)."""

    def __init__(self, message, number):
        super().__init__(message)
        self.number = number


METHODS = {
    "greet": lambda arg: {"message": "Hello, %s!" % arg["name"]},
    "add": lambda arg: {"sum": arg["a"] + arg["b"]},
}


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
            continue  # notifications ($/cancel) need no answer here
        if request.get("method") == "shutdown":
            send({"id": request["id"], "result": None})
            return 0
        try:
            send({"id": request["id"], "result": answer(request)})
        except NotFound as error:
            send({"id": request["id"], "error": {"code": error.number, "message": str(error), "data": {"code": "not_found"}}})
        except (KeyError, TypeError) as error:
            send({"id": request["id"], "error": {"code": -32602, "message": "bad input: %r" % error, "data": {"code": "invalid_params"}}})
        except Exception as error:  # pylint: disable=broad-except
            send({"id": request["id"], "error": {"code": -32000, "message": str(error),
                                                 "data": {"code": "plugin_error", "type": type(error).__name__}}})


if __name__ == "__main__":
    sys.exit(main())
