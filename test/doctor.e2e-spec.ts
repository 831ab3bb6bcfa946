import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { type ProductionFixture, productionFixture } from '../src/testing/doctor-fixture';

const ROOT = resolve(__dirname, '..');

// The checks themselves are specified beside the code (src/doctor/**/*.spec.ts);
// this is the command an operator runs, its output and its exit code.
describe('doctor (as a process: npm run doctor)', () => {
  let fixture: ProductionFixture;
  beforeAll(async () => {
    fixture = await productionFixture();
  });
  afterAll(() => fixture.remove());

  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', './test/support/swc-register.js', 'src/doctor/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 1 and prints the high finding for a bad configuration', () => {
    const res = run({ ...fixture.production(), TRUSTED_PROXIES: '::/0' });
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(
      /HIGH\s+Invalid configuration[^]*TRUSTED_PROXIES:\s+must\s+not\s+contain\s+0\.0\.0\.0\/0\s+or\s+::\/0/,
    );
    expect(res.stdout).toMatch(/fix: /);
  });

  it('exits 0 without a high finding', () => {
    const res = run(fixture.production());
    expect(res.stdout).not.toMatch(/^HIGH/m);
    expect(res.status).toBe(0);
  });
});
