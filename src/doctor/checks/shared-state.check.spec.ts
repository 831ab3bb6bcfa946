import { configOf, defaults, highs, productionEnv } from '../../testing/doctor-fixture';
import { sharedStateCheck } from './shared-state.check';

describe('sharedStateCheck', () => {
  it('PostgreSQL without Redis → a high finding', () => {
    const findings = sharedStateCheck(
      configOf({ ...productionEnv('/srv/app'), DATABASE_URL: 'postgres://app@db.internal/app?sslmode=verify-full' }),
    );
    expect(highs(findings)).toEqual([expect.stringMatching(/REDIS_URL is not set/)]);
  });

  it('in production, Redis and PostgreSQL on another host without TLS: low, one each', () => {
    const findings = sharedStateCheck(
      configOf({
        ...productionEnv('/srv/app'),
        DATABASE_URL: 'postgres://app@db.internal/app',
        REDIS_URL: 'redis://localhost.example.net:6379',
      }),
    );
    expect(findings.map((f) => [f.severity, f.finding])).toEqual([
      ['low', 'REDIS_URL uses redis:// (no TLS) to another host.'],
      ['low', 'DATABASE_URL to a remote PostgreSQL without sslmode=require/verify-full.'],
    ]);
  });

  it.each([
    ['on this machine', 'postgres://app@127.0.0.1/app', 'redis://[::1]:6379'],
    ['over TLS', 'postgres://app@db.internal/app?sslmode=require', 'rediss://cache.internal:6379'],
  ])('Redis and PostgreSQL %s: nothing to say', (_name, database, redis) => {
    expect(
      sharedStateCheck(configOf({ ...productionEnv('/srv/app'), DATABASE_URL: database, REDIS_URL: redis })),
    ).toEqual([]);
  });

  it('SQLite (one instance): nothing to say', () => {
    expect(sharedStateCheck(configOf(defaults()))).toEqual([]);
  });
});
