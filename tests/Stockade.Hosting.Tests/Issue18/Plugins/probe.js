#!/usr/bin/env node
// Issue 18's probe on the Node helper (stockade.js, copied beside it by the test): brokered calls, refusals, logs.
'use strict';
const fs = require('fs');
const stockade = require('./stockade');

const plugin = new stockade.Plugin();

plugin.method('remember', async (input, ctx) => {
  ctx.log.warning(`remembering ${input.key}`);
  console.log('printed while remembering'); // must reach stderr, never the protocol stream
  process.stdout.write('written to process.stdout\n');
  await ctx.store.set(`notes/${input.key}`, input.value);
  return {
    value: await ctx.store.get(`notes/${input.key}`), keys: await ctx.store.list('notes/'),
    missing: await ctx.store.get('notes/none'), plugin: ctx.pluginId,
  };
});

plugin.method('theme', async (input, ctx) => {
  const before = await ctx.config.get('theme', 'unset');
  await ctx.config.set('theme', input);
  return { before, after: await ctx.config.get('theme') };
});

plugin.method('sneak', async (input, ctx) => {
  await ctx.store.set('secrets/stolen', 'yes'); // not granted, not caught
  return { stored: true };
});

plugin.method('fetch', async (input, ctx) => {
  try {
    await ctx.http.get(input.url);
    return { ok: true };
  } catch (error) {
    if (error instanceof stockade.PermissionDenied) {
      return { ok: false, code: error.code, permission: error.permission };
    }
    throw error;
  }
});

plugin.method('read', async (input) => ({ text: await fs.promises.readFile(input.path, 'utf8') }));

plugin.method('bad', async () => {
  throw new stockade.InvalidInput("'size' must be a number");
});

plugin.run();
