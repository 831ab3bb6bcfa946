// @ts-check
'use strict';
// Creates the users the authenticated scenarios need, the way a person would:
// register -> login (password) -> 2fa/setup (with the registration's
// enrollment ticket) -> 2fa/enable with a TOTP code
// computed by bench/totp.js. Runs before any measurement.
const { randomBytes } = require('node:crypto');
const { currentStep, totpAt } = require('./totp');

const PASSWORD = 'correct horse battery staple 42!';
const STEP_MS = 30_000;

async function enrollOne(client, username) {
  const check = (res, what, expected) => {
    if (res.status !== expected) throw new Error(`enroll ${what}: ${res.status} ${res.text}`);
    return res.body;
  };
  const { enrollmentTicket } = check(
    await client.post('/auth/register', { body: { username, password: PASSWORD } }),
    'register',
    201,
  );
  const { preAuthToken } = check(
    await client.post('/auth/login', { body: { username, password: PASSWORD } }),
    'login',
    200,
  );
  const { secret } = check(
    await client.post('/auth/2fa/setup', { token: preAuthToken, body: { enrollmentTicket } }),
    'setup',
    200,
  );
  // Replay protection accepts each 30 s step once per user, and only steps
  // after the last one accepted. Confirming with the previous step's code
  // (inside the server's ±1 window) leaves the current and the next step
  // free for the login flood: two logins per user instead of one. Near the
  // end of a step that code could fall out of the window on its way, so the
  // current step is used there.
  const now = currentStep();
  const step = Date.now() % STEP_MS < STEP_MS - 3_000 ? now - 1 : now;
  const { accessToken, refreshToken } = check(
    await client.post('/auth/2fa/enable', { token: preAuthToken, body: { code: await totpAt(secret, step) } }),
    'enable',
    200,
  );
  return { username, password: PASSWORD, secret, lastStep: step, accessToken, refreshToken };
}

/** `count` enrolled users, `concurrency` at a time (argon2 makes each one cost ~10 ms of CPU twice). */
async function enrollUsers(client, count, concurrency) {
  const run = randomBytes(3).toString('hex');
  const users = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      users[index] = await enrollOne(client, `bench.${run}.${index}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return users;
}

module.exports = { enrollUsers };
