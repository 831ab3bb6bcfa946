import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaults,
  freshRoot,
  highs,
  matching,
  type ProductionFixture,
  productionFixture,
  removeFreshRoots,
  ROOT,
} from '../testing/doctor-fixture';
import { runtimeKeyExchangeGroups } from '../tls/key-exchange-groups';
import { runDoctor } from './doctor';
import { hasHighFinding } from './finding';

describe('runDoctor', () => {
  let fixture: ProductionFixture;
  beforeAll(async () => {
    fixture = await productionFixture();
  });
  afterAll(() => {
    fixture.remove();
    removeFreshRoots();
  });

  it('a good production-like configuration: no high finding', () => {
    const findings = runDoctor(fixture.production(), ROOT);
    expect(highs(findings)).toEqual([]);
    expect(hasHighFinding(findings)).toBe(false);
  });

  it('states which TLS key exchange groups this runtime offers: info with the post-quantum hybrid, low without', () => {
    const postQuantum = runtimeKeyExchangeGroups().postQuantum;
    const findings = runDoctor(fixture.production(), ROOT).filter((f) => f.finding.startsWith('TLS key exchange:'));
    expect(findings).toEqual([
      expect.objectContaining({
        severity: postQuantum ? 'info' : 'low',
        finding: expect.stringMatching(postQuantum ? /offers X25519MLKEM768, X25519/ : /cannot offer .*X25519MLKEM768/),
      }),
    ]);
  });

  it('a default development setup (no .env, NODE_ENV unset): no high finding', () => {
    const findings = runDoctor(defaults(), freshRoot());
    expect(highs(findings)).toEqual([]);
    expect(matching(findings, /NODE_ENV=development \(unset\)/)).toEqual([
      expect.objectContaining({ severity: 'info' }),
    ]);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['invalid value, named by the config error', { PORT: 'eighty' }, /Invalid configuration.*PORT/],
    ['APP_SECRET missing in production', { APP_SECRET: '' }, /APP_SECRET: required in production/],
    [
      'APP_SECRET placeholder',
      { APP_SECRET: 'change-me-change-me-change-me-change-me' },
      /APP_SECRET: looks like a placeholder/,
    ],
    [
      'APP_SECRET_PREVIOUS placeholder in production',
      { APP_SECRET_PREVIOUS: 'change-me-0123456789abcdefghijklmnopqrstuv' },
      /APP_SECRET_PREVIOUS: looks like a placeholder/,
    ],
    ['HS256 with a short secret', { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'short' }, /JWT_SECRET/],
    [
      'TRUSTED_PROXIES open to all',
      { TRUSTED_PROXIES: '0.0.0.0/0' },
      /refuses to startup\): TRUSTED_PROXIES: must not contain 0\.0\.0\.0\/0 or ::\/0/,
    ],
    ['TOTP_WINDOW above 2', { TOTP_WINDOW: '3' }, /refuses to startup\): TOTP_WINDOW: must be at most 2/],
  ])('a configuration the API refuses (%s) → a high finding', (_name, overrides, expected) => {
    const findings = runDoctor({ ...fixture.production(), ...overrides }, ROOT);
    expect(highs(findings).some((f) => expected.test(f))).toBe(true);
    expect(hasHighFinding(findings)).toBe(true);
  });

  it('reports every problem the API would print, one high finding each, naming its variable', () => {
    const findings = runDoctor({ ...fixture.production(), PORT: 'eighty', TOTP_WINDOW: '3' }, ROOT);
    expect(matching(findings, /^Invalid configuration/)).toEqual([
      expect.objectContaining({
        severity: 'high',
        finding: expect.stringMatching(/^Invalid configuration \(the API refuses to startup\): PORT: /),
      }),
      expect.objectContaining({
        severity: 'high',
        finding: expect.stringMatching(/^Invalid configuration \(the API refuses to startup\): TOTP_WINDOW: /),
      }),
    ]);
  });

  it('a refused configuration still gets the files it names checked', () => {
    const key = join(fixture.dir, 'open-refused.pem');
    copyFileSync(join(fixture.dir, 'jwt.pem'), key);
    chmodSync(key, 0o644);
    const findings = runDoctor(
      {
        ...fixture.production(),
        PORT: 'eighty',
        JWT_PRIVATE_KEY_FILE: key,
        TLS_CERT_FILE: join(fixture.dir, 'no.crt'),
      },
      ROOT,
    );
    expect(highs(findings)).toEqual([
      expect.stringMatching(/refuses to startup\): PORT: /),
      expect.stringMatching(/^JWT_PRIVATE_KEY_FILE .* \(mode 0644\): the API refuses to start with it/),
      expect.stringMatching(/^TLS_CERT_FILE .*no\.crt does not exist/),
    ]);
  });

  it('does not judge the values of a refused configuration: the config finding says what to fix first', () => {
    const findings = runDoctor({ ...fixture.production(), PORT: 'eighty', RATE_LIMIT_LOGIN: '5000/60' }, ROOT);
    expect(matching(findings, /RATE_LIMIT_LOGIN/)).toEqual([]);
    expect(
      matching(runDoctor({ ...fixture.production(), RATE_LIMIT_LOGIN: '5000/60' }, ROOT), /RATE_LIMIT_LOGIN/),
    ).toHaveLength(1);
  });

  it('lists the most severe first', () => {
    const findings = runDoctor({ ...defaults(), HOST: '0.0.0.0', RATE_LIMIT_LOGIN: '100/60' }, freshRoot());
    const order = ['high', 'medium', 'low', 'info'];
    const ranks = findings.map((f) => order.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(findings.map((f) => f.severity))).toEqual(new Set(order));
  });

  it('a check that fails is a finding of its own, and the other checks still run', () => {
    const production = fixture.production();
    // The secrets check reads DEV_SECRETS_DIR/app-secret in production; a directory there makes it fail.
    mkdirSync(join(production.DEV_SECRETS_DIR, 'app-secret'), { recursive: true });
    const findings = runDoctor({ ...production, REGISTRATION_ENABLED: 'true' }, ROOT);
    expect(matching(findings, /check could not run/)).toEqual([
      expect.objectContaining({
        severity: 'medium',
        finding: expect.stringMatching(/^The secrets check could not run: /),
      }),
    ]);
    expect(matching(findings, /REGISTRATION_ENABLED=true/)).toHaveLength(1);
    rmSync(production.DEV_SECRETS_DIR, { recursive: true });
  });

  it('never throws, whatever the input', () => {
    expect(() =>
      runDoctor({ NODE_ENV: 'staging', TRUSTED_PROXIES: 'not-an-ip', RATE_LIMIT_LOGIN: 'x' }, ROOT),
    ).not.toThrow();
    expect(hasHighFinding(runDoctor({}, ROOT))).toBe(true);
  });
});
