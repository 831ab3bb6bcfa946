import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaults, filesFor, freshRoot, highs, removeFreshRoots } from '../../testing/doctor-fixture';
import { devSecretFilesCheck } from './dev-secret-files.check';

describe('devSecretFilesCheck', () => {
  afterAll(removeFreshRoots);

  it('a dev secret others can read: high (the API refuses it)', () => {
    const root = freshRoot();
    mkdirSync(join(root, 'data', 'dev-secrets'), { recursive: true });
    writeFileSync(join(root, 'data', 'dev-secrets', 'app-secret'), `${randomBytes(32).toString('base64url')}\n`);
    chmodSync(join(root, 'data', 'dev-secrets', 'app-secret'), 0o640);
    expect(highs(devSecretFilesCheck(filesFor(defaults()), root))).toEqual([
      expect.stringMatching(/dev secret .*app-secret is accessible by group or others \(mode 0640\)/),
    ]);
    chmodSync(join(root, 'data', 'dev-secrets', 'app-secret'), 0o600);
    expect(devSecretFilesCheck(filesFor(defaults()), root)).toEqual([]);
  });
});
