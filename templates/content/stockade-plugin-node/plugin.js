#!/usr/bin/env node
// A Stockade plugin in Node.js. stockade.js (beside this file) speaks the protocol; docs: docs/protocol.md.
'use strict';
const stockade = require('./stockade');

const plugin = new stockade.Plugin();

plugin.method('hello', async (input, ctx) => {
  const name = (input && input.name) || 'world';
  ctx.log.info(`saying hello to ${name}`);
  return { message: `Hello, ${name}!` };
});

// A brokered call: the key-value store needs 'database:write=greetings' in plugin.yaml (and granted).
// Without it, ctx.store rejects with stockade.PermissionDenied naming the permission, and the caller is told so.
plugin.method('count', async (input, ctx) => {
  const seen = Number((await ctx.store.get('greetings/count')) || 0) + 1;
  await ctx.store.set('greetings/count', String(seen));
  return { count: seen };
});

plugin.run();
