// Issue 19: a script plugin declaring the typed contract eco.weather v2 through the Node helper.
'use strict';
const stockade = require('./stockade');

const plugin = new stockade.Plugin({ contracts: { 'eco.weather': 2 } });
plugin.method('forecast', async (input) => ({
  city: input.city,
  days: Array.from({ length: input.days }, (_, d) => ({ day: d, highC: 5 + d, summary: 'node' })),
}));
plugin.method('stations', async () => ['node-station']);
plugin.run();
