import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaults, filesFor, freshRoot, matching, removeFreshRoots } from '../../testing/doctor-fixture';
import { databaseFilesCheck } from './database-files.check';

describe('databaseFilesCheck', () => {
  afterAll(removeFreshRoots);

  it('a SQLite database others can read: medium', () => {
    const root = freshRoot();
    mkdirSync(join(root, 'data'), { mode: 0o755 });
    chmodSync(join(root, 'data'), 0o755);
    writeFileSync(join(root, 'data', 'app.db'), '');
    chmodSync(join(root, 'data', 'app.db'), 0o644);
    const findings = matching(databaseFilesCheck(filesFor(defaults()), root), /^The SQLite/);
    expect(findings.map((f) => [f.severity, f.fix])).toEqual([
      ['medium', `Run chmod 700 ${join(root, 'data')}.`],
      ['medium', `Run chmod 600 ${join(root, 'data', 'app.db')}.`],
    ]);
  });

  it('PostgreSQL and an in-memory database have no file to check', () => {
    const root = freshRoot();
    mkdirSync(join(root, 'data'), { mode: 0o755 });
    chmodSync(join(root, 'data'), 0o755);
    for (const url of ['postgres://app@db.internal/app', 'sqlite::memory:']) {
      expect(databaseFilesCheck(filesFor({ ...defaults(), DATABASE_URL: url }), root)).toEqual([]);
    }
  });
});
