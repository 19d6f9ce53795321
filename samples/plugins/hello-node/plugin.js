#!/usr/bin/env node
// A Stockade plugin in plain Node.js: 4-byte big-endian length frames of JSON-RPC 2.0 on stdin/stdout.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

// console.log must never reach the protocol stream: everything the script prints goes to stderr.
console.log = console.error;

class NotFound extends Error {
  constructor(message, number) {
    super(message);
    this.number = number;
  }
}

const METHODS = {
  greet: (arg) => ({ message: `Hello, ${arg.name}!` }),
  add: (arg) => ({ sum: arg.a + arg.b }),
  // Touches what a real plugin would: a timer, a file in $PLUGIN_DATA and a hash, all on the event loop.
  remember: async (arg) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const file = path.join(process.env.PLUGIN_DATA || '.', 'remembered.txt');
    await fs.promises.writeFile(file, String(arg.text));
    const text = await fs.promises.readFile(file, 'utf8');
    return { text, sha256: crypto.createHash('sha256').update(text).digest('hex') };
  },
};

async function answer(request) {
  const method = request.method;
  const params = request.params || {};
  if (method === 'initialize') {
    return { methods: Object.keys(METHODS).sort(), hooks: [], sdkVersion: '1.0' };
  }
  if (method === 'invoke') {
    if (!Object.prototype.hasOwnProperty.call(METHODS, params.method)) {
      throw new NotFound(`the plugin has no method '${params.method}'`, -32004);
    }
    return METHODS[params.method](params.input || {});
  }
  throw new NotFound(`method '${method}' is not known`, -32601);
}

function send(message) {
  const payload = Buffer.from(JSON.stringify({ ...message, jsonrpc: '2.0' }), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  // Synchronous, so frames never interleave and a frame is out before the process exits.
  fs.writeSync(1, Buffer.concat([header, payload]));
}

async function handle(request) {
  if (request.id === undefined) {
    return; // notifications ($/cancel) need no answer here
  }
  if (request.method === 'shutdown') {
    send({ id: request.id, result: null });
    process.exit(0);
  }
  try {
    send({ id: request.id, result: await answer(request) });
  } catch (error) {
    if (error instanceof NotFound) {
      send({ id: request.id, error: { code: error.number, message: error.message, data: { code: 'not_found' } } });
    } else if (error instanceof TypeError) {
      send({ id: request.id, error: { code: -32602, message: `bad input: ${error.message}`, data: { code: 'invalid_params' } } });
    } else {
      send({ id: request.id, error: { code: -32000, message: String(error && error.message),
        data: { code: 'plugin_error', type: (error && error.name) || 'Error' } } });
    }
  }
}

// Requests are answered in order, one after the other, so a shutdown never overtakes the calls before it.
let queue = Promise.resolve();
let buffered = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4) {
    const length = buffered.readUInt32BE(0);
    if (buffered.length < 4 + length) {
      break;
    }
    const payload = buffered.subarray(4, 4 + length);
    buffered = buffered.subarray(4 + length);
    let request;
    try {
      request = JSON.parse(payload.toString('utf8'));
    } catch {
      continue; // not JSON: nothing to answer
    }
    queue = queue.then(() => handle(request));
  }
});
process.stdin.on('end', () => queue.then(() => process.exit(0)));
