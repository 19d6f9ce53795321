#!/usr/bin/env python3
"""Issue 18's probe on the Python helper (stockade.py, copied beside it by the test): brokered calls, refusals, logs."""
import stockade

plugin = stockade.Plugin()


@plugin.method("remember")
def remember(input, ctx):
    ctx.log.warning("remembering " + input["key"])
    print("printed while remembering")  # must reach stderr, never the protocol stream
    ctx.store.set("notes/" + input["key"], input["value"])
    return {"value": ctx.store.get("notes/" + input["key"]), "keys": ctx.store.list("notes/"),
            "missing": ctx.store.get("notes/none"), "plugin": ctx.plugin_id}


@plugin.method("theme")
def theme(input, ctx):
    before = ctx.config.get("theme", "unset")
    ctx.config.set("theme", input)
    return {"before": before, "after": ctx.config.get("theme")}


@plugin.method("sneak")
def sneak(input, ctx):
    ctx.store.set("secrets/stolen", "yes")  # not granted, not caught
    return {"stored": True}


@plugin.method("fetch")
def fetch(input, ctx):
    try:
        ctx.http.get(input["url"])
        return {"ok": True}
    except stockade.PermissionDenied as denied:
        return {"ok": False, "code": denied.code, "permission": denied.permission}


@plugin.method("read")
def read(input):
    with open(input["path"], encoding="utf-8") as handle:
        return {"text": handle.read()}


@plugin.method("bad")
def bad(input):
    raise stockade.InvalidInput("'size' must be a number")


if __name__ == "__main__":
    plugin.run()
