// @ts-check
'use strict';

/**
 * The child side of run.js's runJob(): takes one `{ type: 'job', job }`
 * message, answers `{ type: 'result', result }` with what `work(job)`
 * resolves to, and lets the process end. A failure is printed with `label`
 * and exits with 1, which runJob reports as the child exiting early.
 * @param {string} label
 * @param {(job: any) => unknown} work
 */
function answerOneJob(label, work) {
  process.once('message', (/** @type {any} */ message) => {
    Promise.resolve()
      .then(() => work(message.job))
      .then((result) => {
        process.send?.({ type: 'result', result });
        process.disconnect();
      })
      .catch((error) => {
        console.error(`${label} failed:`, error);
        process.exit(1);
      });
  });
}

module.exports = { answerOneJob };
