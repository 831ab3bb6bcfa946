// A child process for src/config/dev-secrets.spec.ts: for each directory read
// on stdin, it provisions the dev ES256 key there and prints what it got, as
// one JSON line. Several of these, released at the same moment, race.
import { createInterface } from 'node:readline';
import { createEs256PrivateKeyPem, readOrCreateDevSecret } from '../../src/config/dev-secrets';

const lines = createInterface({ input: process.stdin });
lines.on('line', (dir) => {
  readOrCreateDevSecret(dir, 'jwt-es256.pem', createEs256PrivateKeyPem, () => undefined).then(
    (value) => process.stdout.write(`${JSON.stringify({ value })}\n`),
    (error: Error) => process.stdout.write(`${JSON.stringify({ error: error.message })}\n`),
  );
});
process.stdout.write('ready\n');
