// @ts-check
'use strict';
// `npm run bench -- --profile`: dist/main.js under the V8 CPU profiler,
// started and stopped per scenario by run.js over IPC so each scenario gets
// its own .cpuprofile. (node --cpu-prof would write one profile, and only
// at a clean exit, which Nest's SIGTERM handling does not give.) Open the
// files in Chrome DevTools or summarise them with bench/profile-summary.js.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );

const ready = post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: 250 }));

process.on('message', (/** @type {any} */ message) => {
  const done = (extra) => process.send({ type: `${message.type}:done`, ...extra });
  if (message.type === 'profile:start') {
    ready
      .then(() => post('Profiler.start'))
      .then(
        () => done(),
        (error) => done({ error: String(error) }),
      );
  } else if (message.type === 'profile:stop') {
    post('Profiler.stop')
      .then(({ profile }) => writeFileSync(message.file, JSON.stringify(profile)))
      .then(
        () => done(),
        (error) => done({ error: String(error) }),
      );
  }
});

require('../dist/main.js');
