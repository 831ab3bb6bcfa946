// @ts-check
'use strict';
// A client outside IP_ALLOWLIST flooding the API: `connections` keep-alive
// HTTPS connections bound to `localAddress` (another 127.0.0.x), each
// sending GET `path` back to back for `seconds`. Every answer should be 403;
// each refusal is a security event the API must aggregate rather than write
// and fsync one by one. Child process of run.js: { type: 'job', job } in,
// { type: 'result', result } out.
const https = require('node:https');
const { answerOneJob } = require('./one-job');

async function flood({ port, ca, connections, localAddress, path, seconds }) {
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: connections,
    ca,
    servername: 'localhost',
    localAddress,
  });
  const statusCodes = {};
  let requests = 0;
  let errors = 0;
  const deadline = Date.now() + seconds * 1000;
  const one = () =>
    new Promise((resolve) => {
      const req = https.request(
        { host: '127.0.0.1', port, path, agent, localAddress, servername: 'localhost' },
        (res) => {
          res.resume();
          res.on('end', () => {
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            requests += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  const loop = async () => {
    while (Date.now() < deadline) await one();
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  const elapsed = (Date.now() - started) / 1000;
  return { requests, rps: requests / elapsed, statusCodes, errors, connections, localAddress };
}

answerOneJob('refused flood', flood);
