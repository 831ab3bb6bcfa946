import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseStrictIp } from '../client-address/parse-ip';
import { ConfigError } from './config.error';
import { defaultEnvironment } from './env.source';
import { loadConfig } from './load-config';
import { secretWeakness } from './secret-strength';

type Source = Record<string, string | undefined>;

const DEFAULTS = defaultEnvironment(join(__dirname, '..', '..')) as Record<string, string>;
const STRONG = 'q7Lr2vXk9PmZ4tWb8NcY3hJd6FgS1aEu0RoT5iK';

/** A complete, valid production environment; each test breaks one thing. */
const production = (): Source => ({
  ...DEFAULTS,
  NODE_ENV: 'production',
  APP_SECRET: STRONG,
  JWT_PRIVATE_KEY_FILE: '/run/secrets/jwt-es256.pem',
  TLS_CERT_FILE: '/etc/tls/server.crt',
  TLS_KEY_FILE: '/etc/tls/server.key',
  IP_ALLOWLIST: '10.0.0.0/8',
  WEBAUTHN_RP_ID: 'example.com',
  WEBAUTHN_ORIGINS: 'https://app.example.com',
});

function thrown(source: Source): ConfigError {
  try {
    loadConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted the configuration');
}

const configError = (source: Source): string => thrown(source).message;

/** 64 hex characters, deterministic and as random-looking as `openssl rand -hex 32`. */
const hexSecret = (seed: number) => createHash('sha256').update(`hex-secret-${seed}`).digest('hex');

describe('loadConfig', () => {
  it('reads config/defaults.env into a typed configuration', () => {
    const config = loadConfig({ ...DEFAULTS });
    expect(config).toMatchObject({
      env: 'development',
      isProduction: false,
      nodeEnvUnset: true,
      http: { host: '127.0.0.1', port: 3443, bodyLimitBytes: 16 * 1024 },
      tls: { certFile: undefined, keyFile: undefined, certsDir: 'certs' },
      database: { url: 'sqlite:data/app.db' },
      secrets: { appSecret: undefined, devSecretsDir: 'data/dev-secrets' },
      jwt: {
        algorithm: 'ES256',
        issuer: 'https://localhost:3443',
        audience: 'nest-2fa-api',
        accessTtlSeconds: 900,
      },
      preAuth: { ttlSeconds: 300, maxCodeAttempts: 5 },
      totp: { issuer: 'Nest2FA', window: 1 },
      registrationEnabled: true,
      webClientEnabled: true,
      rateLimit: {
        default: { limit: 100, ttlSeconds: 60 },
        login: { limit: 10, ttlSeconds: 60 },
        twoFactor: { limit: 10, ttlSeconds: 60 },
      },
      lockout: { threshold: 10, seconds: 900 },
      logLevel: 'info',
    });
  });

  describe('HOST', () => {
    it('defaults to loopback outside production and to every interface in production', () => {
      expect(loadConfig({ ...DEFAULTS }).http.host).toBe('127.0.0.1');
      expect(loadConfig({ ...DEFAULTS, NODE_ENV: 'development' }).http.host).toBe('127.0.0.1');
      expect(loadConfig({ ...DEFAULTS, NODE_ENV: 'test' }).http.host).toBe('127.0.0.1');
      expect(loadConfig(production()).http.host).toBe('0.0.0.0');
    });

    it('takes an explicit value in any mode; blank (as in .env.example) means unset', () => {
      expect(loadConfig({ ...DEFAULTS, HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
      expect(loadConfig({ ...production(), HOST: '10.0.0.20' }).http.host).toBe('10.0.0.20');
      expect(loadConfig({ ...DEFAULTS, HOST: '' }).http.host).toBe('127.0.0.1');
      expect(loadConfig({ ...production(), HOST: ' ' }).http.host).toBe('0.0.0.0');
    });
  });

  describe('LOG_FORMAT', () => {
    it('defaults to pretty outside production and to json in production; blank means unset', () => {
      for (const nodeEnv of [undefined, 'development', 'test']) {
        expect(loadConfig({ ...DEFAULTS, NODE_ENV: nodeEnv }).logFormat).toBe('pretty');
        expect(loadConfig({ ...DEFAULTS, NODE_ENV: nodeEnv, LOG_FORMAT: '' }).logFormat).toBe('pretty');
      }
      expect(loadConfig(production()).logFormat).toBe('json');
      expect(loadConfig({ ...production(), LOG_FORMAT: '' }).logFormat).toBe('json');
    });

    it('json is accepted everywhere, pretty outside production only', () => {
      expect(loadConfig({ ...DEFAULTS, LOG_FORMAT: 'json' }).logFormat).toBe('json');
      expect(loadConfig({ ...production(), LOG_FORMAT: 'json' }).logFormat).toBe('json');
      expect(loadConfig({ ...DEFAULTS, NODE_ENV: 'test', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
      expect(configError({ ...production(), LOG_FORMAT: 'pretty' })).toMatch(
        /^ {2}- LOG_FORMAT: pretty is refused in production/m,
      );
    });

    it('refuses anything else, naming the variable', () => {
      expect(configError({ ...DEFAULTS, LOG_FORMAT: 'text' })).toMatch(/LOG_FORMAT/);
    });
  });

  describe('NODE_ENV', () => {
    it('unset or blank means development, and the configuration says it was not set', () => {
      for (const value of [undefined, '', ' ']) {
        expect(loadConfig({ ...DEFAULTS, NODE_ENV: value })).toMatchObject({ env: 'development', nodeEnvUnset: true });
      }
    });

    it.each(['development', 'test', 'production'])('%s is explicit', (value) => {
      const source = value === 'production' ? production() : { ...DEFAULTS, NODE_ENV: value };
      expect(loadConfig(source)).toMatchObject({ env: value, nodeEnvUnset: false });
    });
  });

  describe('hard limits, in every mode', () => {
    const modes: [string, () => Source][] = [
      ['development', () => ({ ...DEFAULTS })],
      ['production', production],
    ];

    describe.each(modes)('%s', (_mode, base) => {
      it.each([
        ['TOTP_WINDOW', '3', /^ {2}- TOTP_WINDOW: must be at most 2\b/m],
        ['PREAUTH_TTL', '901', /^ {2}- PREAUTH_TTL: must be at most 900 seconds/m],
        ['JWT_ACCESS_TTL', '86401', /^ {2}- JWT_ACCESS_TTL: must be at most 86400 seconds/m],
        [
          'TRUSTED_PROXIES',
          '0.0.0.0/0',
          /^ {2}- TRUSTED_PROXIES: must not contain 0\.0\.0\.0\/0 or ::\/0 \(found 0\.0\.0\.0\/0\)/m,
        ],
        ['TRUSTED_PROXIES', '10.0.0.5,::/0', /^ {2}- TRUSTED_PROXIES: must not contain .*\(found ::\/0\)/m],
        // The same range spelled as IPv4-mapped IPv6, or with zeros written out.
        ['TRUSTED_PROXIES', '::ffff:0.0.0.0/96', /^ {2}- TRUSTED_PROXIES: must not contain .*\(found 0\.0\.0\.0\/0\)/m],
        ['TRUSTED_PROXIES', '0:0:0:0:0:0:0:0/0', /^ {2}- TRUSTED_PROXIES: must not contain .*\(found ::\/0\)/m],
      ])('refuses %s=%s, naming the variable and the limit', (name, value, message) => {
        expect(configError({ ...base(), [name]: value })).toMatch(message);
      });

      it.each([
        ['TOTP_WINDOW', '2'],
        ['PREAUTH_TTL', '900'],
        ['JWT_ACCESS_TTL', '86400'],
        ['TRUSTED_PROXIES', '10.0.0.0/8,2001:db8::/32'],
      ])('accepts %s=%s, at the limit', (name, value) => {
        expect(() => loadConfig({ ...base(), [name]: value })).not.toThrow();
      });
    });
  });

  it('allows loopback only by default outside production', () => {
    const { allowlist, trustedProxies } = loadConfig({ ...DEFAULTS }).network;
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1']) expect(allowlist.contains(parseStrictIp(ip)!)).toBe(true);
    for (const ip of ['10.0.0.1', '192.168.1.1', '::2']) expect(allowlist.contains(parseStrictIp(ip)!)).toBe(false);
    expect(trustedProxies.isEmpty).toBe(true);
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig(production());
    expect(config.isProduction).toBe(true);
    expect(config.network.allowlist.contains(parseStrictIp('10.1.2.3')!)).toBe(true);
    expect(config.network.allowlist.contains(parseStrictIp('127.0.0.1')!)).toBe(false);
  });

  describe('registration', () => {
    it('is off by default in production, on elsewhere', () => {
      expect(loadConfig(production()).registrationEnabled).toBe(false);
      expect(loadConfig({ ...DEFAULTS, NODE_ENV: 'test' }).registrationEnabled).toBe(true);
      expect(loadConfig({ ...DEFAULTS, NODE_ENV: 'development' }).registrationEnabled).toBe(true);
    });

    it.each([
      ['true', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ])('REGISTRATION_ENABLED=%s → %p, in production too', (value, enabled) => {
      expect(loadConfig({ ...production(), REGISTRATION_ENABLED: value }).registrationEnabled).toBe(enabled);
      expect(loadConfig({ ...DEFAULTS, REGISTRATION_ENABLED: value }).registrationEnabled).toBe(enabled);
    });

    it.each(['maybe', 'TRUE', 'on', ' '])('refuses REGISTRATION_ENABLED=%p', (value) => {
      expect(configError({ ...DEFAULTS, REGISTRATION_ENABLED: value })).toMatch(/REGISTRATION_ENABLED:/);
    });

    it('treats an empty REGISTRATION_ENABLED (as in .env.example) as unset', () => {
      expect(loadConfig({ ...production(), REGISTRATION_ENABLED: '' }).registrationEnabled).toBe(false);
      expect(loadConfig({ ...DEFAULTS, REGISTRATION_ENABLED: '' }).registrationEnabled).toBe(true);
    });
  });

  describe('web client', () => {
    it('is off by default in production, on elsewhere, and WEB_CLIENT_ENABLED decides in both', () => {
      expect(loadConfig(production()).webClientEnabled).toBe(false);
      expect(loadConfig({ ...production(), WEB_CLIENT_ENABLED: '' }).webClientEnabled).toBe(false);
      expect(loadConfig({ ...production(), WEB_CLIENT_ENABLED: 'true' }).webClientEnabled).toBe(true);
      expect(loadConfig({ ...DEFAULTS, NODE_ENV: 'development' }).webClientEnabled).toBe(true);
      expect(loadConfig({ ...DEFAULTS, WEB_CLIENT_ENABLED: 'false' }).webClientEnabled).toBe(false);
    });

    it('refuses a WEB_CLIENT_ENABLED that is not a boolean', () => {
      expect(configError({ ...DEFAULTS, WEB_CLIENT_ENABLED: 'maybe' })).toMatch(/WEB_CLIENT_ENABLED:/);
    });
  });

  describe('in production', () => {
    it.each([
      ['APP_SECRET', undefined, /APP_SECRET: required in production/],
      ['APP_SECRET', '', /APP_SECRET: required in production/],
      ['APP_SECRET', '   ', /APP_SECRET: required in production/],
      ['APP_SECRET', 'too-short-for-production', /APP_SECRET: must be at least 32 bytes/],
      ['APP_SECRET', 'change-me-0123456789abcdefghijklmnopqrstuv', /APP_SECRET: looks like a placeholder/],
      ['APP_SECRET', 'CHANGE_ME_0123456789abcdefghijklmnopqrstuv', /APP_SECRET: looks like a placeholder/],
      ['APP_SECRET', 'your-secret-goes-here-0123456789-ABCDEFGHIJ', /APP_SECRET: looks like a placeholder/],
      ['APP_SECRET', 'a'.repeat(40), /APP_SECRET: looks like a placeholder/],
      ['APP_SECRET', 'abcd'.repeat(10), /APP_SECRET: has too little variety/],
      ['JWT_PRIVATE_KEY_FILE', undefined, /JWT_PRIVATE_KEY_FILE: required in production with JWT_ALGORITHM=ES256/],
      ['TLS_CERT_FILE', undefined, /TLS_CERT_FILE: required in production/],
      ['TLS_KEY_FILE', undefined, /TLS_KEY_FILE: required in production/],
      ['IP_ALLOWLIST', undefined, /IP_ALLOWLIST: required in production/],
      ['IP_ALLOWLIST', ' ', /IP_ALLOWLIST: required in production/],
      ['WEBAUTHN_RP_ID', undefined, /WEBAUTHN_RP_ID: required in production/],
      ['WEBAUTHN_ORIGINS', undefined, /WEBAUTHN_ORIGINS: required in production/],
    ])('refuses %s=%p', (name, value, message) => {
      expect(configError({ ...production(), [name]: value })).toMatch(message);
    });

    it.each([
      ['too-short-for-production', /APP_SECRET_PREVIOUS: must be at least 32 bytes/],
      ['change-me-0123456789abcdefghijklmnopqrstuv', /APP_SECRET_PREVIOUS: looks like a placeholder/],
      ['b'.repeat(40), /APP_SECRET_PREVIOUS: looks like a placeholder/],
      ['abcd'.repeat(10), /APP_SECRET_PREVIOUS: has too little variety/],
    ])('holds APP_SECRET_PREVIOUS=%p to the same strength as APP_SECRET', (value, message) => {
      const error = configError({ ...production(), APP_SECRET_PREVIOUS: value });
      expect(error).toMatch(message);
      // One line for the variable, and never its value.
      expect(error.match(/APP_SECRET_PREVIOUS/g)).toHaveLength(1);
      expect(error).not.toContain(value);
    });

    it('accepts a strong APP_SECRET_PREVIOUS; outside production only its length is checked', () => {
      const previous = randomBytes(32).toString('base64url');
      expect(loadConfig({ ...production(), APP_SECRET_PREVIOUS: previous }).secrets.previousAppSecret).toBe(previous);
      expect(loadConfig({ ...DEFAULTS, APP_SECRET_PREVIOUS: 'abcd'.repeat(10) }).secrets.previousAppSecret).toBe(
        'abcd'.repeat(10),
      );
    });

    it('never puts a secret value in the error message', () => {
      const weak = 'change-me-0123456789abcdefghijklmnopqrstuv';
      const message = configError({ ...production(), APP_SECRET: weak, JWT_ALGORITHM: 'HS256', JWT_SECRET: weak });
      expect(message).toMatch(/APP_SECRET/);
      expect(message).toMatch(/JWT_SECRET/);
      expect(message).not.toContain(weak);
    });

    it('reports every problem at once, one line per variable', () => {
      const message = configError({
        ...DEFAULTS,
        NODE_ENV: 'production',
        TRUSTED_PROXIES: 'nonsense',
      });
      const lines = message.split('\n').slice(1);
      expect(lines).toEqual([
        expect.stringMatching(/^ {2}- TRUSTED_PROXIES: /),
        '  - APP_SECRET: required in production',
        '  - JWT_PRIVATE_KEY_FILE: required in production with JWT_ALGORITHM=ES256',
        '  - TLS_CERT_FILE: required in production',
        '  - TLS_KEY_FILE: required in production',
        '  - IP_ALLOWLIST: required in production (allow everyone with 0.0.0.0/0,::/0)',
        '  - WEBAUTHN_RP_ID: required in production with WEBAUTHN_ENABLED=true',
        '  - WEBAUTHN_ORIGINS: required in production with WEBAUTHN_ENABLED=true',
      ]);
    });

    it('lists the same problems as data, each with its variable (what doctor reports)', () => {
      const { problems } = thrown({ ...DEFAULTS, NODE_ENV: 'production', TRUSTED_PROXIES: 'nonsense' });
      expect(problems.map((p) => p.variable)).toEqual([
        'TRUSTED_PROXIES',
        'APP_SECRET',
        'JWT_PRIVATE_KEY_FILE',
        'TLS_CERT_FILE',
        'TLS_KEY_FILE',
        'IP_ALLOWLIST',
        'WEBAUTHN_RP_ID',
        'WEBAUTHN_ORIGINS',
      ]);
      expect(problems[0].message).toBe('"nonsense" is not a valid IP address or CIDR range');
      expect(thrown({ ...DEFAULTS, PORT: 'abc', TOTP_WINDOW: '3' }).problems).toEqual([
        { variable: 'PORT', message: expect.any(String) },
        { variable: 'TOTP_WINDOW', message: expect.stringMatching(/^must be at most 2/) },
      ]);
      expect(thrown({ ...DEFAULTS, TLS_CERT_FILE: '/etc/tls/server.crt' }).problems).toEqual([
        { variable: 'TLS_CERT_FILE, TLS_KEY_FILE', message: 'set both or neither' },
      ]);
    });

    it('accepts an explicit allow-everyone IP_ALLOWLIST', () => {
      const config = loadConfig({ ...production(), IP_ALLOWLIST: '0.0.0.0/0,::/0' });
      expect(config.network.allowlist.contains(parseStrictIp('203.0.113.9')!)).toBe(true);
      expect(config.network.allowlist.contains(parseStrictIp('2001:db8::1')!)).toBe(true);
    });

    it('does not need JWT_PRIVATE_KEY_FILE with HS256, but a strong JWT_SECRET', () => {
      const jwtSecret = randomBytes(32).toString('base64url');
      const config = loadConfig({
        ...production(),
        JWT_PRIVATE_KEY_FILE: undefined,
        JWT_ALGORITHM: 'HS256',
        JWT_SECRET: jwtSecret,
      });
      expect(config.jwt).toMatchObject({ algorithm: 'HS256', secret: jwtSecret });
      expect(configError({ ...production(), JWT_ALGORITHM: 'HS256', JWT_SECRET: 'x'.repeat(32) })).toMatch(
        /JWT_SECRET: looks like a placeholder/,
      );
    });

    it.each([
      ['openssl rand -base64 32', () => randomBytes(32).toString('base64')],
      ['base64url of 32 bytes', () => randomBytes(32).toString('base64url')],
    ])('accepts random secrets made with %s', (_name, make) => {
      for (let i = 0; i < 50; i += 1) {
        expect(loadConfig({ ...production(), APP_SECRET: make() }).secrets.appSecret).toBeDefined();
      }
    });

    it('accepts random hex secrets (openssl rand -hex 32)', () => {
      for (let seed = 0; seed < 200; seed += 1) {
        expect(() => loadConfig({ ...production(), APP_SECRET: hexSecret(seed) })).not.toThrow();
      }
    });
  });

  describe('JWT_ALGORITHM=HS256, in any environment', () => {
    const hs = (extra: Source): Source => ({ ...DEFAULTS, JWT_ALGORITHM: 'HS256', ...extra });

    it('needs JWT_SECRET', () => {
      expect(configError(hs({}))).toMatch(/JWT_SECRET: required when JWT_ALGORITHM=HS256/);
      expect(configError(hs({ JWT_SECRET: ' ' }))).toMatch(/JWT_SECRET: required/);
    });

    it('needs at least 32 bytes (a 16-byte secret is refused)', () => {
      expect(configError(hs({ JWT_SECRET: randomBytes(8).toString('hex') }))).toMatch(
        /JWT_SECRET: must be at least 32 bytes/,
      );
      expect(configError(hs({ JWT_SECRET: 'y'.repeat(31) }))).toMatch(/JWT_SECRET: must be at least 32 bytes/);
      expect(loadConfig(hs({ JWT_SECRET: 'y'.repeat(32) })).jwt.secret).toBe('y'.repeat(32));
    });

    it('counts bytes, not characters', () => {
      expect(loadConfig(hs({ JWT_SECRET: 'é'.repeat(16) })).jwt.algorithm).toBe('HS256');
      expect(configError(hs({ JWT_SECRET: 'é'.repeat(15) }))).toMatch(/JWT_SECRET: must be at least 32 bytes/);
    });

    it('must differ from APP_SECRET', () => {
      expect(configError(hs({ JWT_SECRET: STRONG, APP_SECRET: STRONG }))).toMatch(
        /JWT_SECRET: must differ from APP_SECRET/,
      );
    });
  });

  describe('outside production', () => {
    it('still refuses an APP_SECRET under 32 bytes, but takes a weak-looking long one', () => {
      expect(configError({ ...DEFAULTS, APP_SECRET: 'short' })).toMatch(/APP_SECRET: must be at least 32 bytes/);
      expect(loadConfig({ ...DEFAULTS, APP_SECRET: 'a'.repeat(32) }).secrets.appSecret).toBe('a'.repeat(32));
    });

    it('treats a blank APP_SECRET as absent (a dev secret will be generated)', () => {
      expect(loadConfig({ ...DEFAULTS, APP_SECRET: '' }).secrets.appSecret).toBeUndefined();
    });

    it('wants both TLS files or neither', () => {
      expect(configError({ ...DEFAULTS, TLS_CERT_FILE: '/etc/tls/server.crt' })).toMatch(
        /TLS_CERT_FILE, TLS_KEY_FILE: set both or neither/,
      );
      expect(configError({ ...DEFAULTS, TLS_KEY_FILE: '/etc/tls/server.key' })).toMatch(/set both or neither/);
    });
  });

  describe('malformed values name their variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '-1'],
      ['PORT', '65536'],
      ['PORT', '3443.5'],
      ['DATABASE_URL', 'mysql://db/app'],
      ['DATABASE_URL', 'app.db'],
      ['JWT_ALGORITHM', 'RS256'],
      ['JWT_ALGORITHM', 'none'],
      ['JWT_ACCESS_TTL', '0'],
      ['JWT_ACCESS_TTL', '-900'],
      ['JWT_ACCESS_TTL', '15m'],
      ['PREAUTH_TTL', '1.5'],
      ['TOTP_ISSUER', 'Acme:Corp'],
      ['TOTP_ISSUER', 'x'.repeat(65)],
      ['TOTP_WINDOW', '3'],
      ['TOTP_WINDOW', '-1'],
      ['RATE_LIMIT_DEFAULT', '100'],
      ['RATE_LIMIT_LOGIN', '10'],
      ['RATE_LIMIT_LOGIN', '10/0'],
      ['RATE_LIMIT_LOGIN', '0/60'],
      ['RATE_LIMIT_LOGIN', '10 / 60'],
      ['RATE_LIMIT_2FA', '-1/60'],
      ['LOCKOUT_THRESHOLD', '0'],
      ['LOCKOUT_THRESHOLD', '1001'],
      ['LOCKOUT_SECONDS', 'forever'],
      ['LOG_LEVEL', 'trace'],
      ['NODE_ENV', 'staging'],
      ['IP_ALLOWLIST', '10.0.0.0/8,not-an-ip'],
      ['IP_ALLOWLIST', '10.0.0.1/8'],
      ['IP_ALLOWLIST', '10.0.0.0/8,'],
      ['IP_ALLOWLIST', '10.0.0.0/33'],
      ['TRUSTED_PROXIES', '192.168.0.0/16,::1/200'],
      ['JWT_ISSUER', `https://${'a'.repeat(250)}.example`],
      ['JWT_AUDIENCE', 'api\nforged: line'],
    ])('%s=%p', (name, value) => {
      expect(configError({ ...DEFAULTS, [name]: value })).toMatch(new RegExp(`^  - ${name}: `, 'm'));
    });

    it.each(['PORT', 'JWT_ISSUER', 'JWT_AUDIENCE', 'RATE_LIMIT_LOGIN', 'LOG_LEVEL'])(
      'a missing %s (no defaults file) is named too',
      (name) => {
        expect(configError({ ...DEFAULTS, [name]: undefined })).toMatch(new RegExp(`^  - ${name}: `, 'm'));
      },
    );

    it('parses rates as N requests per S seconds', () => {
      expect(loadConfig({ ...DEFAULTS, RATE_LIMIT_LOGIN: '5/300' }).rateLimit.login).toEqual({
        limit: 5,
        ttlSeconds: 300,
      });
    });
  });
});

describe('secretWeakness', () => {
  it.each([
    ['random base64url, 32 bytes', randomBytes(32).toString('base64url')],
    ['random base64, 32 bytes', randomBytes(32).toString('base64')],
    ['a long mixed passphrase', 'Tr0ub4dor&3 staple: horse! battery? 42'],
    ['random hex, 32 bytes', hexSecret(0)],
  ])('accepts %s', (_name, value) => {
    expect(secretWeakness(value)).toBeNull();
  });

  it('accepts every one of 500 hex secrets of 32 bytes, even those that miss some hex digits', () => {
    const secrets = Array.from({ length: 500 }, (_, seed) => hexSecret(seed));
    // The sample includes the case that matters: random hex without all 16 digits.
    expect(secrets.some((secret) => new Set(secret).size < 16)).toBe(true);
    expect(secrets.filter((secret) => secretWeakness(secret) !== null)).toEqual([]);
  });

  it.each([
    ['31 bytes', 'k'.repeat(10) + randomBytes(16).toString('base64url').slice(0, 21)],
    ['empty', ''],
    ['16 random bytes as 22 base64url characters', randomBytes(16).toString('base64url')],
  ])('refuses %s as too short', (_name, value) => {
    expect(secretWeakness(value)).toBe('must be at least 32 bytes');
  });

  it.each([
    ['change-me', 'change-me-please-0123456789ABCDEFGHIJKLMN'],
    ['changeme', 'CHANGEME0123456789abcdefghijklmnopqrstuv'],
    ['example', 'this-is-an-example-secret-0123456789-XYZ'],
    ['placeholder', 'placeholder-0123456789-abcdefghijklmnopq'],
    ['your secret', 'your_secret_0123456789_abcdefghijklmnopq'],
    ['dev secret', 'dev-secret-0123456789-abcdefghijklmnopqrs'],
    ['one character repeated', 'x'.repeat(64)],
    ['one digit repeated', '0'.repeat(32)],
  ])('refuses a %s placeholder', (_name, value) => {
    expect(secretWeakness(value)).toBe('looks like a placeholder value');
  });

  it.each([
    ['a short word repeated', 'password'.repeat(4)],
    ['a keyboard run repeated', 'qwerty'.repeat(6)],
    ['two characters alternating', 'ab'.repeat(20)],
    ['hex with few digits', 'deadbeef'.repeat(8)],
    ['digits only', '0123456789'.repeat(4)],
  ])('refuses %s for too little variety', (_name, value) => {
    expect(secretWeakness(value)).toBe('has too little variety to be random');
  });

  it('counts bytes: 16 two-byte characters are 32 bytes', () => {
    expect(secretWeakness('é'.repeat(15) + 'a')).toBe('must be at least 32 bytes');
    expect(secretWeakness('ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ')).toBeNull();
  });

  describe('WebAuthn relying party', () => {
    it('defaults to localhost and https://localhost:PORT outside production, on', () => {
      expect(loadConfig({ ...DEFAULTS, PORT: '8443' }).webauthn).toEqual({
        enabled: true,
        rpId: 'localhost',
        rpName: DEFAULTS.TOTP_ISSUER,
        origins: ['https://localhost:8443'],
      });
    });

    it('needs neither RP ID nor origins in production when switched off', () => {
      const source = { ...production(), WEBAUTHN_ENABLED: 'false', WEBAUTHN_RP_ID: '', WEBAUTHN_ORIGINS: '' };
      expect(loadConfig(source).webauthn.enabled).toBe(false);
    });

    it.each([
      ['http://app.example.com', /not an https origin/],
      ['https://app.example.com/login', /not an https origin/],
      ['https://evil.test', /outside WEBAUTHN_RP_ID example.com/],
      ['https://notexample.com', /outside WEBAUTHN_RP_ID example.com/],
    ])('refuses the origin %p', (origin, message) => {
      expect(configError({ ...production(), WEBAUTHN_ORIGINS: origin })).toMatch(message);
    });

    it('refuses an RP ID with a scheme or port', () => {
      expect(configError({ ...production(), WEBAUTHN_RP_ID: 'https://example.com' })).toMatch(/WEBAUTHN_RP_ID/);
    });
  });
});

describe('loadConfig: security webhook', () => {
  const URL = 'https://hooks.example.com/security';
  const whsec = (key: Buffer) => `whsec_${key.toString('base64')}`;

  it('is off without SECURITY_WEBHOOK_URL, and on with an https URL and a whsec_ secret of 32 bytes or more', () => {
    expect(loadConfig(DEFAULTS).securityWebhook).toBeUndefined();
    const key = randomBytes(32);
    const config = loadConfig({ ...DEFAULTS, SECURITY_WEBHOOK_URL: URL, SECURITY_WEBHOOK_SECRET: whsec(key) });
    expect(config.securityWebhook).toEqual({ url: URL, key, caFile: undefined, timeoutMs: 10_000, retryBaseMs: 5000 });
  });

  it.each([
    ['an http URL', { SECURITY_WEBHOOK_URL: 'http://hooks.example.com/x' }, /SECURITY_WEBHOOK_URL: must be an https/],
    ['not a URL', { SECURITY_WEBHOOK_URL: 'hooks.example.com' }, /SECURITY_WEBHOOK_URL: must be an https/],
    [
      'credentials in the URL',
      { SECURITY_WEBHOOK_URL: 'https://u:p@hooks.example.com/x' },
      /SECURITY_WEBHOOK_URL: must not carry credentials/,
    ],
    ['no secret', { SECURITY_WEBHOOK_SECRET: '' }, /SECURITY_WEBHOOK_SECRET: required with SECURITY_WEBHOOK_URL/],
    ['a raw secret', { SECURITY_WEBHOOK_SECRET: STRONG }, /SECURITY_WEBHOOK_SECRET: expected whsec_/],
    [
      '31 bytes of key',
      { SECURITY_WEBHOOK_SECRET: `whsec_${randomBytes(31).toString('base64')}` },
      /SECURITY_WEBHOOK_SECRET: must hold at least 32 bytes/,
    ],
    [
      'a secret without a URL',
      { SECURITY_WEBHOOK_URL: '', SECURITY_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
      /SECURITY_WEBHOOK_URL: required with SECURITY_WEBHOOK_SECRET/,
    ],
  ])('refuses %s, in every environment', (_name, change, message) => {
    for (const base of [DEFAULTS, production()]) {
      expect(
        configError({ ...base, SECURITY_WEBHOOK_URL: URL, SECURITY_WEBHOOK_SECRET: whsec(randomBytes(32)), ...change }),
      ).toMatch(message);
    }
  });

  it('production refuses a patterned secret that development accepts', () => {
    const patterned = whsec(Buffer.alloc(48, 0));
    const env = { SECURITY_WEBHOOK_URL: URL, SECURITY_WEBHOOK_SECRET: patterned };
    expect(configError({ ...production(), ...env })).toMatch(/SECURITY_WEBHOOK_SECRET: (looks like|has too little)/);
    expect(loadConfig({ ...DEFAULTS, ...env }).securityWebhook?.key).toEqual(Buffer.alloc(48, 0));
  });
});
