// @ts-check
'use strict';
// What bench/run.js and bench/instructions.js both start the API with: this
// run's own secrets, keys and certificates, and the API's environment.
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defaultEnvironment } = require('../dist/config/env.source.js');
const { generateDevCertificates } = require('../dist/tls/dev-certificates.js');
const { ROOT } = require('./servers');

// High enough that no limit or lockout interferes with a scenario that does not measure it.
const UNLIMITED = '999999999/60';

/**
 * Secrets, keys and certificates of this run only, in a temp dir removed at the end.
 * @param {string} [prefix] names the temp dir
 */
async function createFixtures(prefix = 'nest-2fa-bench-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const certs = await generateDevCertificates(path.join(dir, 'certs'), () => {});
  const jwtKeyFile = path.join(dir, 'jwt-es256.pem');
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(jwtKeyFile, pem, { mode: 0o600 });
  return {
    dir,
    certs,
    jwtKeyFile,
    appSecret: randomBytes(32).toString('base64url'),
    // A string: it also travels to child processes over IPC, where a Buffer would arrive as a plain object.
    ca: readFileSync(certs.caCert, 'utf8'),
  };
}

const databaseFile = (fixtures, name) => path.join(fixtures.dir, `${name}.db`);

/**
 * Production settings, every variable explicit (defaults.env underneath, so
 * nothing a developer's .env says can change a figure), limits out of the way.
 */
function apiEnvironment(fixtures, name, overrides = {}) {
  return {
    ...defaultEnvironment(ROOT),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_SECRET: fixtures.appSecret,
    JWT_ALGORITHM: 'ES256',
    JWT_SECRET: '',
    JWT_PRIVATE_KEY_FILE: fixtures.jwtKeyFile,
    // The access tokens issued at enrollment serve the whole run, --full included.
    JWT_ACCESS_TTL: '3600',
    TLS_CERT_FILE: fixtures.certs.serverCert,
    TLS_KEY_FILE: fixtures.certs.serverKey,
    IP_ALLOWLIST: '127.0.0.0/8,::1/128',
    TRUSTED_PROXIES: '',
    REGISTRATION_ENABLED: 'true',
    // Production requires the passkey relying party to be named; the bench's origin is local.
    WEBAUTHN_RP_ID: 'localhost',
    WEBAUTHN_ORIGINS: 'https://localhost',
    LOG_LEVEL: 'error',
    // Tests and the bench pin the log format: the figures are those of JSON lines.
    LOG_FORMAT: 'json',
    DATABASE_URL: `sqlite:${databaseFile(fixtures, name)}`,
    // The in-process short-lived store is what is measured, never Redis.
    REDIS_URL: '',
    CERTS_DIR: path.join(fixtures.dir, 'unused-certs'),
    DEV_SECRETS_DIR: path.join(fixtures.dir, 'unused-secrets'),
    RATE_LIMIT_DEFAULT: UNLIMITED,
    RATE_LIMIT_LOGIN: UNLIMITED,
    RATE_LIMIT_2FA: UNLIMITED,
    LOCKOUT_THRESHOLD: '1000',
    ...overrides,
  };
}

module.exports = { UNLIMITED, createFixtures, databaseFile, apiEnvironment };
