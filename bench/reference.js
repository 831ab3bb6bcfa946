// @ts-check
'use strict';
// The two costs the security tax is read against, each measured alone in
// this child process (no server, no event loop of an API), in the same run:
//   kind 'es256':  crypto.verify of an ES256 signature with a public KeyObject,
//                  back to back on one thread: one core's verifications/s.
//   kind 'argon2': @node-rs/argon2 hashes at the server's own parameters (read
//                  from a stored PHC string), at most `concurrency` at a time,
//                  the cap src/users/password-hasher.ts puts on the server
//                  (cores − 1): what the argon2 core can do at best.
// Child process of run.js: { type: 'job', job } in, { type: 'result', result } out.
const { generateKeyPairSync, sign, verify } = require('node:crypto');
const { hash } = require('@node-rs/argon2');
const { answerOneJob } = require('./one-job');

const now = () => Number(process.hrtime.bigint()) / 1e9;

/** A real token's `header.payload` (sizes matter to the hash), signed with a fresh P-256 key. */
function es256(job) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from(job.signingInput);
  const signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const once = () => {
    if (!verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature))
      throw new Error('ES256 reference: a valid signature failed to verify');
  };
  for (const end = now() + job.warmupSeconds; now() < end;) once();
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const started = now();
  const end = started + job.seconds;
  // The clock is read every 64 verifications: its cost stays out of the figure.
  while (now() < end) for (let i = 0; i < 64; i++, count++) once();
  return { count, seconds: now() - started, cpu: process.cpuUsage(cpuBefore) };
}

/** `$argon2id$v=19$m=19456,t=2,p=1$salt$hash` -> the options that produced it. */
function argon2Options(phc) {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!match) throw new Error(`argon2 reference: not an argon2id PHC string: ${phc.slice(0, 30)}`);
  return { algorithm: 2, memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}

async function argon2(job) {
  const options = argon2Options(job.storedHash);
  const password = 'correct horse battery staple 42!';
  await hash(password, options);
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const started = now();
  const end = started + job.seconds;
  const worker = async () => {
    while (now() < end) {
      await hash(password, options);
      count++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { count, seconds: now() - started, cpu: process.cpuUsage(cpuBefore), options };
}

answerOneJob('reference measurement', async (job) => {
  const { cpu, ...outcome } = await (job.kind === 'es256' ? es256(job) : argon2(job));
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { ...outcome, rate: outcome.count / outcome.seconds, cpuCores: cpuSeconds / outcome.seconds };
});
