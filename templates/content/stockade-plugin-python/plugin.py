#!/usr/bin/env python3
# A Stockade plugin: JSON-RPC 2.0 on stdin/stdout, each message a 4-byte big-endian length + UTF-8 JSON.
import json, struct, sys

def read():
    head = sys.stdin.buffer.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack(">I", head)
    return json.loads(sys.stdin.buffer.read(n))

def write(msg):
    data = json.dumps(msg).encode()
    sys.stdout.buffer.write(struct.pack(">I", len(data)) + data)
    sys.stdout.buffer.flush()

def hello(args):
    return {"message": "Hello, %s!" % (args or {}).get("name", "world")}

METHODS = {"hello": hello}

while True:
    msg = read()
    if msg is None:
        break
    if "id" not in msg:
        continue
    method, params = msg.get("method"), msg.get("params") or {}
    if method == "initialize":
        result = {"methods": sorted(METHODS), "hooks": [], "sdkVersion": "1.0"}
    elif method == "invoke" and params.get("method") in METHODS:
        result = METHODS[params["method"]](params.get("input"))
    elif method == "shutdown":
        write({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        break
    else:
        write({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no method %s" % method, "data": {"code": "not_found"}}})
        continue
    write({"jsonrpc": "2.0", "id": msg["id"], "result": result})
