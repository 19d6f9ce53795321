"""Stockade plugin helper for Python: the worker protocol in one file, standard library only.

Copy this file next to your plugin (``stockade init --lang python`` does) and write::

    import stockade

    plugin = stockade.Plugin()

    @plugin.method("hello")
    def hello(input, ctx):
        ctx.log.info("saying hello")
        return {"message": "Hello, %s!" % (input or {}).get("name", "world")}

    if __name__ == "__main__":
        plugin.run()

What it does for you (docs/protocol.md says the same for any language):
- frames: a 4-byte big-endian length, then that many bytes of UTF-8 JSON (JSON-RPC 2.0), on stdin/stdout;
- answers ``initialize`` (the methods and hooks you registered), ``invoke``, ``hook`` and ``shutdown``;
- brokered calls to the host: ``ctx.store`` (key-value), ``ctx.config``, ``ctx.http``, ``ctx.services``,
  ``ctx.request_permission`` and ``ctx.log``; a refusal raises :class:`PermissionDenied` naming the permission;
- ``print()`` and anything else written to file descriptor 1 go to stderr, never into the protocol stream.

Calls are handled one at a time, in arrival order. A handler takes ``()``, ``(input)`` or ``(input, ctx)``.
"""

import json
import os
import struct
import sys

# base64 and traceback are imported where they are used (HTTP, errors): each costs start-up time every worker pays.

__all__ = [
    "Plugin", "Context", "HttpResponse", "StockadeError", "PermissionDenied", "RateLimited", "NotFound",
    "InvalidInput", "Timeout", "Cancelled",
]

PROTOCOL_VERSION = "1.0"
MAX_FRAME_BYTES = 16 * 1024 * 1024  # the host's default ProtocolLimits.MaxFrameBytes

# JSON-RPC error numbers and the stable codes in error.data.code (docs/protocol.md, "Errors").
_NUMBERS = {
    "permission_denied": -32001, "rate_limited": -32002, "timeout": -32003, "not_found": -32004,
    "invalid_params": -32602, "internal": -32603, "protocol_violation": -32600, "plugin_error": -32000,
    "cancelled": -32800,
}
_CODES_BY_NUMBER = {-32001: "permission_denied", -32002: "rate_limited", -32003: "timeout", -32004: "not_found",
                    -32601: "not_found", -32602: "invalid_params", -32603: "internal", -32600: "protocol_violation",
                    -32700: "protocol_violation", -32000: "plugin_error", -32800: "cancelled"}


class StockadeError(Exception):
    """An error with a stable code (``permission_denied``, ``not_found``...), as the host sends or expects them."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data or {}


class PermissionDenied(StockadeError):
    """The broker refused a call; ``permission`` names what would allow it (e.g. ``database:write=notes``)."""

    def __init__(self, message, permission=None, data=None):
        super().__init__("permission_denied", message, data)
        self.permission = permission


class RateLimited(StockadeError):
    """Too many calls; ``retry_after_ms`` says when to try again, when the host knows."""

    def __init__(self, message, retry_after_ms=None, data=None):
        super().__init__("rate_limited", message, data)
        self.retry_after_ms = retry_after_ms


class NotFound(StockadeError):
    """No such service, method, hook or key. Raise it from a handler to answer ``not_found``."""

    def __init__(self, message, data=None):
        super().__init__("not_found", message, data)


class InvalidInput(StockadeError):
    """Raise it from a handler when the input does not fit: the caller gets ``invalid_params`` with your message."""

    def __init__(self, message, data=None):
        super().__init__("invalid_params", message, data)


class Timeout(StockadeError):
    """The host gave up on the call."""

    def __init__(self, message, data=None):
        super().__init__("timeout", message, data)


class Cancelled(StockadeError):
    """The host cancelled the request being handled (``$/cancel``)."""

    def __init__(self, message="the call was cancelled", data=None):
        super().__init__("cancelled", message, data)


def _error_from(error):
    """A JSON-RPC error object from the host as the matching exception."""
    if not isinstance(error, dict):
        return StockadeError("internal", "the host sent a malformed error: %r" % (error,))
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    message = str(error.get("message", "error"))
    code = data.get("code") if isinstance(data.get("code"), str) else _CODES_BY_NUMBER.get(error.get("code"), "internal")
    if code == "permission_denied":
        return PermissionDenied(message, data.get("permission"), data)
    if code == "rate_limited":
        return RateLimited(message, data.get("retryAfterMs"), data)
    if code == "not_found":
        return NotFound(message, data)
    if code == "invalid_params":
        return InvalidInput(message, data)
    if code == "timeout":
        return Timeout(message, data)
    if code == "cancelled":
        return Cancelled(message, data)
    return StockadeError(code, message, data)


class _Connection:
    """Frames and JSON-RPC over two file descriptors; single-threaded, one request handled at a time."""

    def __init__(self, fd_in, fd_out):
        self._in = os.fdopen(fd_in, "rb", buffering=65536)
        self._out = fd_out
        self._next_id = 0
        self.backlog = []        # requests that arrived while a brokered call waited for its answer
        self.cancelled = set()   # ids the host sent $/cancel for
        self.closed = False

    def read(self):
        """The next message, or None at the end of the stream. A broken frame ends the plugin (the host would)."""
        header = self._read_exactly(4)
        if header is None:
            return None
        (length,) = struct.unpack(">I", header)
        if length == 0 or length > MAX_FRAME_BYTES:
            raise SystemExit("stockade: the host sent a frame of %d bytes; the protocol is broken" % length)
        payload = self._read_exactly(length)
        if payload is None:
            raise SystemExit("stockade: the stream ended inside a frame")
        return json.loads(payload.decode("utf-8"))

    def _read_exactly(self, count):
        data = self._in.read(count)
        if not data:
            self.closed = True
            return None
        while len(data) < count:
            more = self._in.read(count - len(data))
            if not more:
                self.closed = True
                return None
            data += more
        return data

    def send(self, message):
        message["jsonrpc"] = "2.0"
        # No NaN/Infinity (not JSON) and no lone surrogates (the host refuses both as protocol violations).
        payload = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
        if len(payload) > MAX_FRAME_BYTES:
            raise StockadeError("invalid_params", "the message is %d bytes, more than the %d the host accepts" % (len(payload), MAX_FRAME_BYTES))
        frame = struct.pack(">I", len(payload)) + payload
        view = memoryview(frame)
        while view:
            written = os.write(self._out, view)
            view = view[written:]

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def call(self, method, params):
        """Sends a request to the host and waits for its answer; requests that arrive meanwhile are kept for later."""
        self._next_id += 1
        request_id = self._next_id
        self.send({"id": request_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message is None:
                raise StockadeError("internal", "the connection to the host is closed")
            if "method" in message:
                if message.get("method") == "$/cancel" and "id" not in message:
                    self.cancelled.add((message.get("params") or {}).get("id"))
                elif "id" in message:
                    self.backlog.append(message)
                continue
            if message.get("id") != request_id:
                continue  # an answer to a request abandoned earlier
            if "error" in message:
                raise _error_from(message["error"])
            return message.get("result")


class _Log:
    """``ctx.log.info("...")``: a line in the host's log (``host.log``), with its level."""

    def __init__(self, connection):
        self._connection = connection

    def write(self, level, message):
        self._connection.notify("host.log", {"level": level, "message": str(message)})

    def debug(self, message):
        self.write("debug", message)

    def info(self, message):
        self.write("info", message)

    def warning(self, message):
        self.write("warning", message)

    def error(self, message):
        self.write("error", message)


class _Store:
    """The plugin's key-value store (``host.kv.*``). Keys are ``namespace/key``: ``notes/today`` needs
    ``database:read=notes`` to read and ``database:write=notes`` to write; a key without '/' is in the namespace
    ``default``. Values are strings. Only an installed plugin has a store."""

    def __init__(self, connection):
        self._connection = connection

    def get(self, key):
        """The value, or None when the key is not set."""
        return (self._connection.call("host.kv.get", {"key": key}) or {}).get("value")

    def set(self, key, value):
        if not isinstance(value, str):
            raise TypeError("key-value values are strings; use json.dumps for anything else")
        self._connection.call("host.kv.set", {"key": key, "value": value})

    def delete(self, key):
        """True when the key existed."""
        return bool((self._connection.call("host.kv.delete", {"key": key}) or {}).get("deleted"))

    def list(self, prefix=""):
        """Keys starting with ``prefix`` (``notes/`` lists the namespace ``notes``; keys come back with it)."""
        return list((self._connection.call("host.kv.list", {"prefix": prefix}) or {}).get("keys") or [])


class _Config:
    """The plugin's configuration (``host.config.*``): ``config:read=KEY`` / ``config:write=KEY``; values are any JSON."""

    def __init__(self, connection):
        self._connection = connection

    def get(self, key, default=None):
        value = (self._connection.call("host.config.get", {"key": key}) or {}).get("value")
        return default if value is None else value

    def set(self, key, value):
        self._connection.call("host.config.set", {"key": key, "value": value})


class HttpResponse:
    """What ``ctx.http.request`` returns: ``status``, ``headers`` (name → list of values), ``body`` (bytes)."""

    def __init__(self, result):
        result = result or {}
        self.status = int(result.get("status") or 0)
        self.headers = result.get("headers") or {}
        import base64  # pylint: disable=import-outside-toplevel
        self.body = base64.b64decode(result.get("body") or "")

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        """The first value of a header, compared without case, or None."""
        for key, values in self.headers.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None


class _Http:
    """HTTP through the host's broker (``host.http.request``): the worker has no network of its own. Needs
    ``network:request=HOST[:PORT]``; a refusal raises :class:`PermissionDenied`."""

    def __init__(self, connection):
        self._connection = connection

    def request(self, method, url, headers=None, body=None, json_body=None):
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        params = {"method": method, "url": url,
                  "headers": {k: (v if isinstance(v, list) else [str(v)]) for k, v in (headers or {}).items()}}
        if body is not None:
            import base64  # pylint: disable=import-outside-toplevel
            params["body"] = base64.b64encode(body).decode("ascii")
        return HttpResponse(self._connection.call("host.http.request", params))

    def get(self, url, headers=None):
        return self.request("GET", url, headers)

    def post(self, url, body=None, headers=None, json_body=None):
        return self.request("POST", url, headers, body, json_body)


class _Services:
    """The host application's own services (``host.service.call``), e.g. ``ctx.services.call("clock", "now")``."""

    def __init__(self, connection):
        self._connection = connection

    def call(self, service, method, args=None):
        return self._connection.call("host.service.call", {"service": service, "method": method, "args": args if args is not None else {}})


class Context:
    """What a handler gets: who the plugin is and the host's brokered capabilities."""

    def __init__(self, connection, params):
        self._connection = connection
        self.plugin_id = params.get("pluginId")
        self.level = params.get("level")
        self.plugin_dir = params.get("pluginDir")
        self.data_dir = params.get("dataDir")       # $PLUGIN_DATA: persistent, read-write
        self.temp_dir = params.get("tempDir")       # $TEMP: removed when the worker exits
        self.initial_config = params.get("config")  # the configuration the host passed at start
        self.granted_permissions = list(params.get("grantedPermissions") or [])
        self.log = _Log(connection)
        self.store = _Store(connection)
        self.config = _Config(connection)
        self.http = _Http(connection)
        self.services = _Services(connection)
        self.request_id = None

    @property
    def cancelled(self):
        """True once the host cancelled the call being handled; a long handler should check it and stop."""
        return self.request_id is not None and self.request_id in self._connection.cancelled

    def request_permission(self, permission, reason):
        """Asks for an optional permission the manifest declares; True when granted (a refusal is an answer, not an error)."""
        result = self._connection.call("host.permission.request", {"permission": permission, "reason": reason})
        return bool((result or {}).get("granted"))


def _arity(function):
    code = getattr(function, "__code__", None)
    if code is None:
        return 2
    count = code.co_argcount - (1 if getattr(function, "__self__", None) is not None else 0)
    return 2 if code.co_flags & 0x04 else min(count, 2)  # 0x04: *args


def _call_handler(function, value, ctx):
    count = _arity(function)
    return function() if count == 0 else function(value) if count == 1 else function(value, ctx)


class Plugin:
    """Register methods and hooks, then :meth:`run` serves the host until it says ``shutdown``."""

    def __init__(self, contracts=None):
        """``contracts``: the typed contracts this plugin implements, name to version, e.g. ``{"eco.weather": 2}``;
        a host calling it through ``GetPlugin<IWeather>`` is refused unless the name and version match
        (docs/protocol.md, "Contracts"). Each contract's methods are still registered with :meth:`method`."""
        self._methods = {}
        self._hooks = {}
        self._contracts = dict(contracts or {})
        for name, version in self._contracts.items():
            if not isinstance(name, str) or not name or type(version) is not int or version < 0:
                raise ValueError("a contract is a name and a whole-number version, e.g. {'eco.weather': 2}")
        self._on_initialize = None
        self._on_shutdown = None
        self._connection = None
        self._context = None

    def method(self, name=None):
        """Decorator: ``@plugin.method("greet")`` (or ``@plugin.method()`` for the function's name)."""
        def register(function):
            self._methods[name or function.__name__] = function
            return function
        return register

    def hook(self, name):
        """Decorator: ``@plugin.hook("clip.copied")``; the handler gets the hook's payload."""
        def register(function):
            self._hooks[name] = function
            return function
        return register

    def on_initialize(self, function):
        """Decorator: runs once the host has said who the plugin is, before the first call; gets ``ctx``."""
        self._on_initialize = function
        return function

    def on_shutdown(self, function):
        """Decorator: runs when the host asks the plugin to stop, before the answer."""
        self._on_shutdown = function
        return function

    def run(self):
        """Serves the protocol until ``shutdown`` or the end of stdin, then exits the process with 0."""
        # The protocol gets private copies of fds 0 and 1; fd 1 becomes stderr and fd 0 /dev/null, so print(),
        # input() and a native library's writes can never reach or read the protocol streams.
        fd_in, fd_out = os.dup(0), os.dup(1)
        os.dup2(2, 1)
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
        except OSError:
            pass  # no /dev/null: stdin stays as it is, and the plugin just must not read it
        sys.stdout = sys.stderr
        self._connection = _Connection(fd_in, fd_out)
        try:
            self._serve()
        finally:
            sys.stderr.flush()
        sys.exit(0)

    def _serve(self):
        connection = self._connection
        while True:
            message = connection.backlog.pop(0) if connection.backlog else connection.read()
            if message is None:
                return
            method = message.get("method")
            if "id" not in message:
                if method == "$/cancel":
                    connection.cancelled.add((message.get("params") or {}).get("id"))
                continue  # other notifications need no answer
            if method is None:
                continue  # an answer nobody waits for
            request_id = message["id"]
            if request_id in connection.cancelled:
                connection.cancelled.discard(request_id)
                self._answer_error(request_id, Cancelled("'%s' was cancelled" % method))
                continue
            if method == "shutdown":
                if self._on_shutdown is not None:
                    try:
                        self._on_shutdown()
                    except Exception:  # pylint: disable=broad-except
                        import traceback  # pylint: disable=import-outside-toplevel
                        traceback.print_exc()
                connection.send({"id": request_id, "result": None})
                return
            try:
                result = self._dispatch(method, message.get("params") or {}, request_id)
                connection.send({"id": request_id, "result": result})
            except Exception as error:  # pylint: disable=broad-except
                self._answer_error(request_id, error)
            finally:
                connection.cancelled.discard(request_id)

    def _dispatch(self, method, params, request_id):
        if method == "initialize":
            if self._context is not None:
                raise InvalidInput("the plugin is already initialised; send initialize once")
            self._context = Context(self._connection, params)
            if self._on_initialize is not None:
                self._on_initialize(self._context)
            answer = {"methods": sorted(self._methods), "hooks": sorted(self._hooks), "sdkVersion": PROTOCOL_VERSION}
            if self._contracts:
                answer["contracts"] = self._contracts
            return answer
        if method not in ("invoke", "hook"):
            raise StockadeError("not_found", "method '%s' is not part of the protocol" % method, {"number": -32601})
        if self._context is None:
            raise InvalidInput("the plugin is not initialised yet; send initialize first")
        self._context.request_id = request_id
        try:
            if method == "invoke":
                name = params.get("method")
                if name not in self._methods:
                    raise NotFound("the plugin has no method '%s'; it offers: %s" % (name, ", ".join(sorted(self._methods))))
                return _call_handler(self._methods[name], params.get("input"), self._context)
            name = params.get("name")
            if name not in self._hooks:
                raise NotFound("the plugin does not handle hook '%s'" % name)
            return _call_handler(self._hooks[name], params.get("payload"), self._context)
        finally:
            self._context.request_id = None

    def _report_denial(self, error):
        """A file the kernel refused (Landlock answers EACCES) is reported to the host before the error answer, so
        the caller learns which grant would allow it (``host.denial``; the host treats it as a claim, not proof)."""
        if isinstance(error, PermissionError) and error.errno in (1, 13) and isinstance(error.filename, str):
            try:
                self._connection.notify("host.denial", {"kind": "file", "path": os.path.abspath(error.filename),
                                                         "operation": None, "errno": error.errno})
            except (TypeError, ValueError, StockadeError, OSError):
                pass

    def _answer_error(self, request_id, error):
        if isinstance(error, StockadeError):
            # A broker refusal the handler did not catch stays a refusal: the host checks it against its own record.
            data = dict(error.data or {})
            data["code"] = error.code
            if isinstance(error, PermissionDenied) and error.permission:
                data["permission"] = error.permission
            number = data.pop("number", None) or _NUMBERS.get(error.code, -32603)
            payload = {"code": number, "message": error.message, "data": data}
        else:
            import traceback  # pylint: disable=import-outside-toplevel
            self._report_denial(error)
            payload = {"code": -32000, "message": "%s: %s" % (type(error).__name__, error),
                       "data": {"code": "plugin_error", "type": type(error).__name__, "message": str(error),
                                "stackTrace": "".join(traceback.format_exception(type(error), error, error.__traceback__))}}
            traceback.print_exc()
        try:
            self._connection.send({"id": request_id, "error": payload})
        except (TypeError, ValueError, StockadeError):
            # The error's own data does not encode (e.g. a lone surrogate in the message): say so plainly.
            self._connection.send({"id": request_id, "error": {"code": -32603, "message": "the plugin's error could not be encoded",
                                                              "data": {"code": "internal"}}})
