#!/usr/bin/env python3
"""A Stockade plugin in Python. stockade.py (beside this file) speaks the protocol; docs: docs/protocol.md."""
import stockade

plugin = stockade.Plugin()


@plugin.method("hello")
def hello(input, ctx):
    name = (input or {}).get("name", "world")
    ctx.log.info("saying hello to %s" % name)
    return {"message": "Hello, %s!" % name}


# A brokered call: the key-value store needs 'database:write=greetings' in plugin.yaml (and granted).
# Without it, ctx.store raises stockade.PermissionDenied naming the permission, and the caller is told so.
@plugin.method("count")
def count(input, ctx):
    seen = int(ctx.store.get("greetings/count") or 0) + 1
    ctx.store.set("greetings/count", str(seen))
    return {"count": seen}


if __name__ == "__main__":
    plugin.run()
