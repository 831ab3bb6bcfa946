import { configOf, defaults, productionEnv } from '../testing/doctor-fixture';
import { filesFromEnvironment, filesOf } from './configured-files';

describe('configured files', () => {
  it('of an accepted configuration: the paths it names, no key file with HS256, no SQLite file for PostgreSQL', () => {
    const production = productionEnv('/srv/app');
    expect(filesOf(configOf(production))).toEqual({
      production: true,
      devSecretsDir: '/srv/app/dev-secrets',
      certsDir: '/srv/app/dev-certs',
      jwtPrivateKeyFile: '/srv/app/jwt.pem',
      tlsCertFile: '/srv/app/prod/server.crt',
      tlsKeyFile: '/srv/app/prod/server.key',
      sqliteFile: '/srv/app/app.db',
    });
    const hs256 = filesOf(
      configOf({
        ...production,
        JWT_ALGORITHM: 'HS256',
        JWT_SECRET: 'q7Lr2vXk9PmZ4tWb8NcY3hJd6FgS1aEu0RoT5iK',
        DATABASE_URL: 'postgres://app@db/app',
      }),
    );
    expect(hs256).toMatchObject({ jwtPrivateKeyFile: undefined, sqliteFile: undefined });
  });

  it('of a refused configuration: the same files, read variable by variable', () => {
    const production = productionEnv('/srv/app');
    expect(filesFromEnvironment({ ...production, PORT: 'eighty' })).toEqual(filesOf(configOf(production)));
    expect(filesFromEnvironment({ ...defaults(), PORT: 'eighty' })).toEqual(filesOf(configOf(defaults())));
  });

  it('a variable with a value the schema refuses names no file; blank is unset', () => {
    const files = filesFromEnvironment({
      ...productionEnv('/srv/app'),
      NODE_ENV: 'staging',
      DATABASE_URL: 'mysql://db/app',
      CERTS_DIR: '',
      TLS_KEY_FILE: ' ',
    });
    expect(files).toMatchObject({
      production: false,
      sqliteFile: undefined,
      certsDir: undefined,
      tlsKeyFile: undefined,
      tlsCertFile: '/srv/app/prod/server.crt',
    });
    expect(filesFromEnvironment({})).toEqual({ production: false });
  });
});
