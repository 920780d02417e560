// Preloaded into a hook process (NODE_OPTIONS=--require): at its exit, records whether the hook ran
// its code here (it loaded dist/load-bundle.cjs) or was answered by the hook server.
'use strict';
const { appendFileSync } = require('node:fs');

const log = process.env.HOOK_PROBE_LOG;
if (log && process.env.HG_HOOKNAME) {
  process.on('exit', () => {
    const here = Object.keys(require.cache).some((path) => path.endsWith('load-bundle.cjs'));
    appendFileSync(log, `${process.env.HG_HOOKNAME} ${here ? 'here' : 'served'}\n`);
  });
}
