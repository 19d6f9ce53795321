// Stockade plugin helper for Node.js: the worker protocol in one file, standard library only.
//
// Copy this file next to your plugin (`stockade init --lang node` does) and write:
//
//   const stockade = require('./stockade');
//   const plugin = new stockade.Plugin();
//   plugin.method('hello', async (input, ctx) => {
//     ctx.log.info('saying hello');
//     return { message: `Hello, ${(input && input.name) || 'world'}!` };
//   });
//   plugin.run();
//
// What it does for you (docs/protocol.md says the same for any language):
// - frames: a 4-byte big-endian length, then that many bytes of UTF-8 JSON (JSON-RPC 2.0), on stdin/stdout;
// - answers `initialize` (the methods and hooks you registered), `invoke`, `hook`, `shutdown` and `$/cancel`;
// - brokered calls to the host: ctx.store (key-value), ctx.config, ctx.http, ctx.services, ctx.requestPermission and
//   ctx.log; a refusal rejects with a PermissionDenied naming the permission;
// - console.log and process.stdout go to stderr, never into the protocol stream.
//
// Calls run concurrently, as the host sends them; each handler gets (input, ctx), and ctx.signal is aborted when the
// host cancels that call.
'use strict';

const fs = require('fs');

const PROTOCOL_VERSION = '1.0';
const MAX_FRAME_BYTES = 16 * 1024 * 1024; // the host's default ProtocolLimits.MaxFrameBytes

// JSON-RPC error numbers and the stable codes in error.data.code (docs/protocol.md, "Errors").
const NUMBERS = {
  permission_denied: -32001, rate_limited: -32002, timeout: -32003, not_found: -32004, invalid_params: -32602,
  internal: -32603, protocol_violation: -32600, plugin_error: -32000, cancelled: -32800,
};
const CODES_BY_NUMBER = {
  '-32001': 'permission_denied', '-32002': 'rate_limited', '-32003': 'timeout', '-32004': 'not_found',
  '-32601': 'not_found', '-32602': 'invalid_params', '-32603': 'internal', '-32600': 'protocol_violation',
  '-32700': 'protocol_violation', '-32000': 'plugin_error', '-32800': 'cancelled',
};

/** An error with a stable code (permission_denied, not_found...), as the host sends or expects them. */
class StockadeError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = 'StockadeError';
    this.code = code;
    this.data = data || {};
  }
}

/** The broker refused a call; `permission` names what would allow it (e.g. database:write=notes). */
class PermissionDenied extends StockadeError {
  constructor(message, permission, data) {
    super('permission_denied', message, data);
    this.name = 'PermissionDenied';
    this.permission = permission || null;
  }
}

/** Too many calls; `retryAfterMs` says when to try again, when the host knows. */
class RateLimited extends StockadeError {
  constructor(message, retryAfterMs, data) {
    super('rate_limited', message, data);
    this.name = 'RateLimited';
    this.retryAfterMs = retryAfterMs === undefined ? null : retryAfterMs;
  }
}

/** No such service, method, hook or key. Throw it from a handler to answer not_found. */
class NotFound extends StockadeError {
  constructor(message, data) {
    super('not_found', message, data);
    this.name = 'NotFound';
  }
}

/** Throw it from a handler when the input does not fit: the caller gets invalid_params with your message. */
class InvalidInput extends StockadeError {
  constructor(message, data) {
    super('invalid_params', message, data);
    this.name = 'InvalidInput';
  }
}

function errorFrom(error) {
  if (!error || typeof error !== 'object') {
    return new StockadeError('internal', 'the host sent a malformed error');
  }
  const data = error.data && typeof error.data === 'object' ? error.data : {};
  const message = String(error.message === undefined ? 'error' : error.message);
  const code = typeof data.code === 'string' ? data.code : CODES_BY_NUMBER[String(error.code)] || 'internal';
  switch (code) {
    case 'permission_denied': return new PermissionDenied(message, data.permission, data);
    case 'rate_limited': return new RateLimited(message, data.retryAfterMs, data);
    case 'not_found': return new NotFound(message, data);
    case 'invalid_params': return new InvalidInput(message, data);
    default: return new StockadeError(code, message, data);
  }
}

// The host refuses lone surrogates (a protocol violation); JSON.stringify would write them escaped.
function checkText(key, value) {
  if (typeof key === 'string' && typeof key.isWellFormed === 'function' && !key.isWellFormed()) {
    throw new TypeError('a key holds a lone surrogate, which JSON-RPC peers refuse');
  }
  if (typeof value === 'string' && typeof value.isWellFormed === 'function' && !value.isWellFormed()) {
    throw new TypeError('a string holds a lone surrogate, which JSON-RPC peers refuse');
  }
  return value;
}

/** Frames and JSON-RPC over fds 0 and 1. */
class Connection {
  constructor(onMessage, onEnd) {
    this.nextId = 0;
    this.pending = new Map();
    this.closed = false;
    let buffered = Buffer.alloc(0);
    // fd 0 is read through a stream of its own, never process.stdin (which the plugin could touch).
    const input = fs.createReadStream(null, { fd: 0, autoClose: false, highWaterMark: 65536 });
    input.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (length === 0 || length > MAX_FRAME_BYTES) {
          process.stderr.write(`stockade: the host sent a frame of ${length} bytes; the protocol is broken\n`);
          process.exit(3);
        }
        if (buffered.length < 4 + length) {
          break;
        }
        const payload = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        onMessage(JSON.parse(payload.toString('utf8')));
      }
    });
    const end = () => {
      if (this.closed) {
        return;
      }
      this.closed = true;
      for (const waiter of this.pending.values()) {
        waiter.reject(new StockadeError('internal', 'the connection to the host is closed'));
      }
      this.pending.clear();
      onEnd();
    };
    input.on('end', end);
    input.on('error', end);
  }

  send(message) {
    const payload = Buffer.from(JSON.stringify({ ...message, jsonrpc: '2.0' }, checkText), 'utf8');
    if (payload.length > MAX_FRAME_BYTES) {
      throw new StockadeError('invalid_params', `the message is ${payload.length} bytes, more than the ${MAX_FRAME_BYTES} the host accepts`);
    }
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.length, 0);
    // Synchronous and whole, so frames never interleave and a frame is out before the process exits. fd 1 may be
    // non-blocking (libuv sets pipes so): wait briefly and retry when the pipe is full.
    const frame = Buffer.concat([header, payload]);
    let offset = 0;
    while (offset < frame.length) {
      try {
        offset += fs.writeSync(PROTOCOL_OUT, frame, offset, frame.length - offset);
      } catch (error) {
        if (error.code !== 'EAGAIN') {
          throw error;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  }

  notify(method, params) {
    this.send({ method, params });
  }

  call(method, params) {
    if (this.closed) {
      return Promise.reject(new StockadeError('internal', 'the connection to the host is closed'));
    }
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.send({ id, method, params });
      } catch (error) {
        this.pending.delete(id);
        reject(error);
      }
    });
  }

  answered(message) {
    const waiter = this.pending.get(message.id);
    if (!waiter) {
      return; // an answer nobody waits for
    }
    this.pending.delete(message.id);
    if (message.error !== undefined) {
      waiter.reject(errorFrom(message.error));
    } else {
      waiter.resolve(message.result === undefined ? null : message.result);
    }
  }
}

// The protocol's output: fd 1, whatever the plugin later does to process.stdout.
const PROTOCOL_OUT = 1;

/** What a handler gets: who the plugin is and the host's brokered capabilities. */
class Context {
  constructor(connection, params, signal) {
    const conn = connection;
    this.pluginId = params.pluginId;
    this.level = params.level;
    this.pluginDir = params.pluginDir;
    this.dataDir = params.dataDir; // $PLUGIN_DATA: persistent, read-write
    this.tempDir = params.tempDir; // $TEMP: removed when the worker exits
    this.initialConfig = params.config === undefined ? null : params.config;
    this.grantedPermissions = Array.isArray(params.grantedPermissions) ? [...params.grantedPermissions] : [];
    /** Aborted when the host cancels the call being handled. */
    this.signal = signal || new AbortController().signal;
    const write = (level, message) => conn.notify('host.log', { level, message: String(message) });
    this.log = {
      debug: (m) => write('debug', m), info: (m) => write('info', m),
      warning: (m) => write('warning', m), error: (m) => write('error', m), write,
    };
    // Keys are namespace/key: notes/today needs database:read=notes to read, database:write=notes to write; a key
    // without '/' is in the namespace 'default'. Values are strings. Only an installed plugin has a store.
    this.store = {
      get: async (key) => ((await conn.call('host.kv.get', { key })) || {}).value ?? null,
      set: async (key, value) => {
        if (typeof value !== 'string') {
          throw new TypeError('key-value values are strings; use JSON.stringify for anything else');
        }
        await conn.call('host.kv.set', { key, value });
      },
      delete: async (key) => Boolean(((await conn.call('host.kv.delete', { key })) || {}).deleted),
      list: async (prefix = '') => [...(((await conn.call('host.kv.list', { prefix })) || {}).keys || [])],
    };
    // config:read=KEY / config:write=KEY; values are any JSON.
    this.config = {
      get: async (key, fallback = null) => {
        const value = ((await conn.call('host.config.get', { key })) || {}).value;
        return value === undefined || value === null ? fallback : value;
      },
      set: async (key, value) => { await conn.call('host.config.set', { key, value }); },
    };
    // HTTP through the broker (network:request=HOST[:PORT]); the worker has no network of its own.
    this.http = {
      request: async (method, url, options = {}) => {
        const headers = {};
        for (const [name, value] of Object.entries(options.headers || {})) {
          headers[name] = Array.isArray(value) ? value.map(String) : [String(value)];
        }
        let body = options.body;
        if (options.json !== undefined) {
          body = JSON.stringify(options.json);
          if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
            headers['Content-Type'] = ['application/json'];
          }
        }
        const params = { method, url, headers };
        if (body !== undefined && body !== null) {
          params.body = Buffer.from(body).toString('base64');
        }
        return new HttpResponse(await conn.call('host.http.request', params));
      },
      get: (url, options) => this.http.request('GET', url, options),
      post: (url, options) => this.http.request('POST', url, options),
    };
    this.services = {
      call: (service, method, args) => conn.call('host.service.call', { service, method, args: args === undefined ? {} : args }),
    };
    /** Asks for an optional permission the manifest declares; true when granted (a refusal is an answer). */
    this.requestPermission = async (permission, reason) =>
      Boolean(((await conn.call('host.permission.request', { permission, reason })) || {}).granted);
  }
}

/** What ctx.http.request resolves to: status, headers (name → values), body (a Buffer). */
class HttpResponse {
  constructor(result) {
    const r = result || {};
    this.status = Number(r.status || 0);
    this.headers = r.headers || {};
    this.body = Buffer.from(r.body || '', 'base64');
  }

  get text() {
    return this.body.toString('utf8');
  }

  json() {
    return JSON.parse(this.text);
  }

  header(name) {
    const wanted = String(name).toLowerCase();
    const key = Object.keys(this.headers).find((k) => k.toLowerCase() === wanted);
    return key && this.headers[key].length ? this.headers[key][0] : null;
  }
}

/** Register methods and hooks, then run() serves the host until it says shutdown. */
class Plugin {
  /**
   * options.contracts: the typed contracts this plugin implements, name to version, e.g. { 'eco.weather': 2 }; a host
   * calling it through GetPlugin<IWeather> is refused unless the name and version match (docs/protocol.md, "Contracts").
   * Each contract's methods are still registered with method().
   */
  constructor(options = {}) {
    this.methods = new Map();
    this.hooks = new Map();
    this.contracts = { ...(options.contracts || {}) };
    for (const [name, version] of Object.entries(this.contracts)) {
      if (!name || !Number.isInteger(version) || version < 0) {
        throw new TypeError("a contract is a name and a whole-number version, e.g. { 'eco.weather': 2 }");
      }
    }
    this.initializeHandler = null;
    this.shutdownHandler = null;
    this.params = null;
    this.running = new Map(); // request id → AbortController
  }

  /** plugin.method('greet', async (input, ctx) => ...) */
  method(name, handler) {
    this.methods.set(name, handler);
    return this;
  }

  /** plugin.hook('clip.copied', async (payload, ctx) => ...) */
  hook(name, handler) {
    this.hooks.set(name, handler);
    return this;
  }

  /** Runs once the host has said who the plugin is, before the first call; gets ctx. */
  onInitialize(handler) {
    this.initializeHandler = handler;
    return this;
  }

  /** Runs when the host asks the plugin to stop, before the answer. */
  onShutdown(handler) {
    this.shutdownHandler = handler;
    return this;
  }

  /** Serves the protocol until shutdown or the end of stdin, then exits the process with 0. */
  run() {
    // Nothing the plugin prints may reach the protocol stream: console and process.stdout write to stderr.
    for (const name of ['log', 'info', 'debug', 'dir', 'table']) {
      console[name] = console.error;
    }
    try {
      Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => process.stderr });
    } catch {
      // An older runtime: console is redirected, and the plugin just must not write to process.stdout.
    }
    this.connection = new Connection((message) => this.receive(message), () => this.finish());
    denialSink = this.connection;
  }

  receive(message) {
    if (message === null || typeof message !== 'object') {
      return;
    }
    if (message.method === undefined) {
      this.connection.answered(message);
      return;
    }
    if (message.id === undefined) {
      if (message.method === '$/cancel' && message.params) {
        const running = this.running.get(message.params.id);
        if (running) {
          running.abort();
        }
      }
      return; // other notifications need no answer
    }
    if (message.method === 'shutdown') {
      this.shutdown(message.id);
      return;
    }
    const controller = new AbortController();
    this.running.set(message.id, controller);
    Promise.resolve()
      // A call the host cancelled before it started (both in one read) is answered without running it.
      .then(() => (controller.signal.aborted ? Promise.reject(new Error('cancelled')) : this.dispatch(message.method, message.params || {}, controller.signal)))
      .then(
        (result) => this.answer(message.id, { result: result === undefined ? null : result }),
        (error) => this.answer(message.id, { error: controller.signal.aborted ? cancelledError(message.method) : errorPayload(error) }),
      )
      .finally(() => this.running.delete(message.id));
  }

  answer(id, body) {
    try {
      this.connection.send({ id, ...body });
    } catch (error) {
      // The result does not encode (a BigInt, a cycle, a lone surrogate, too large): answer that instead.
      this.connection.send({ id, error: errorPayload(error) });
    }
  }

  async dispatch(method, params, signal) {
    if (method === 'initialize') {
      if (this.params !== null) {
        throw new InvalidInput('the plugin is already initialised; send initialize once');
      }
      this.params = params;
      if (this.initializeHandler) {
        await this.initializeHandler(new Context(this.connection, params, signal));
      }
      const answer = { methods: [...this.methods.keys()].sort(), hooks: [...this.hooks.keys()].sort(), sdkVersion: PROTOCOL_VERSION };
      if (Object.keys(this.contracts).length > 0) {
        answer.contracts = this.contracts;
      }
      return answer;
    }
    if (method !== 'invoke' && method !== 'hook') {
      throw new StockadeError('not_found', `method '${method}' is not part of the protocol`, { number: -32601 });
    }
    if (this.params === null) {
      throw new InvalidInput('the plugin is not initialised yet; send initialize first');
    }
    const ctx = new Context(this.connection, this.params, signal);
    if (method === 'invoke') {
      const handler = Object.prototype.hasOwnProperty.call(params, 'method') ? this.methods.get(params.method) : undefined;
      if (!handler) {
        throw new NotFound(`the plugin has no method '${params.method}'; it offers: ${[...this.methods.keys()].sort().join(', ')}`);
      }
      return handler(params.input === undefined ? null : params.input, ctx);
    }
    const hook = this.hooks.get(params.name);
    if (!hook) {
      throw new NotFound(`the plugin does not handle hook '${params.name}'`);
    }
    return hook(params.payload === undefined ? null : params.payload, ctx);
  }

  async shutdown(id) {
    try {
      if (this.shutdownHandler) {
        await this.shutdownHandler();
      }
    } catch (error) {
      process.stderr.write(`stockade: the shutdown handler failed: ${error && error.stack}\n`);
    }
    this.answer(id, { result: null });
    // Running calls get up to 2 s to finish, as in the .NET worker.
    const deadline = Date.now() + 2000;
    const wait = () => (this.running.size === 0 || Date.now() > deadline ? process.exit(0) : setTimeout(wait, 10));
    wait();
  }

  finish() {
    process.exit(0);
  }
}

function cancelledError(method) {
  return { code: NUMBERS.cancelled, message: `'${method}' was cancelled`, data: { code: 'cancelled' } };
}

// A file the kernel refused (Landlock answers EACCES) is reported to the host before the error answer, so the caller
// learns which grant would allow it (host.denial; the host treats it as a claim, not proof).
const OPERATIONS = { scandir: 'list', opendir: 'list', unlink: 'delete', rmdir: 'delete', rm: 'delete', mkdir: 'write', rename: 'write', copyfile: 'write', symlink: 'write' };
function reportDenial(error) {
  if (!error || (error.code !== 'EACCES' && error.code !== 'EPERM') || typeof error.path !== 'string' || !denialSink) {
    return;
  }
  try {
    denialSink.notify('host.denial', { kind: 'file', path: require('path').resolve(error.path), operation: OPERATIONS[error.syscall] || null, errno: error.code === 'EACCES' ? 13 : 1 });
  } catch {
    // the connection is closing; the error answer will not arrive either
  }
}
let denialSink = null;

function errorPayload(error) {
  if (error instanceof StockadeError) {
    // A broker refusal the handler did not catch stays a refusal: the host checks it against its own record.
    const data = { ...error.data, code: error.code };
    const number = data.number || NUMBERS[error.code] || NUMBERS.internal;
    delete data.number;
    if (error instanceof PermissionDenied && error.permission) {
      data.permission = error.permission;
    }
    return { code: number, message: String(error.message), data };
  }
  reportDenial(error);
  const type = (error && error.name) || typeof error;
  const message = error && error.message !== undefined ? String(error.message) : String(error);
  const stack = error && typeof error.stack === 'string' ? error.stack : null;
  process.stderr.write(`${stack || message}\n`);
  const payload = { code: NUMBERS.plugin_error, message: `${type}: ${message}`, data: { code: 'plugin_error', type, message, stackTrace: stack } };
  try {
    JSON.stringify(payload, checkText);
    return payload;
  } catch {
    return { code: NUMBERS.internal, message: "the plugin's error could not be encoded", data: { code: 'internal' } };
  }
}

module.exports = { Plugin, Context, HttpResponse, StockadeError, PermissionDenied, RateLimited, NotFound, InvalidInput, PROTOCOL_VERSION };
