// @ts-check
'use strict';
// The limiter-memory server: dist/main.js unchanged, started with
// --expose-gc so that, after the judged RSS reading (taken without any
// forced collection, as an operator would see it), run.js can ask for one
// full GC over IPC and read RSS again. The gap between the two readings is
// garbage V8 had not collected yet; what remains after the GC is what the
// process really retains (limiter entries that were never swept would show
// up there).
process.on('message', (/** @type {any} */ message) => {
  if (message?.type !== 'gc') return;
  global.gc?.();
  process.send({
    type: 'gc:done',
    collected: typeof global.gc === 'function',
    heapUsed: process.memoryUsage().heapUsed,
  });
});

require('../dist/main.js');
