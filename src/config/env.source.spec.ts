import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultEnvironment, readEnvironment } from './env.source';

describe('readEnvironment', () => {
  let elsewhere: string;
  beforeEach(() => {
    elsewhere = mkdtempSync(join(tmpdir(), 'env-source-'));
  });
  afterEach(() => rmSync(elsewhere, { recursive: true, force: true }));

  it('takes the shipped defaults from the package, whatever the working directory, and .env from the working directory', () => {
    writeFileSync(join(elsewhere, '.env'), 'JWT_ISSUER=from-dot-env\n');
    const env = readEnvironment(elsewhere);
    expect(env.JWT_ALGORITHM).toBe(defaultEnvironment().JWT_ALGORITHM);
    expect(env.JWT_ALGORITHM).toBeDefined();
    expect(env.JWT_ISSUER).toBe(process.env.JWT_ISSUER ?? 'from-dot-env');
  });

  it('finds no .env where there is none, and still every default', () => {
    const env = readEnvironment(elsewhere);
    for (const [name, value] of Object.entries(defaultEnvironment())) {
      expect({ name, value: env[name] }).toEqual({ name, value: process.env[name] ?? value });
    }
  });
});
