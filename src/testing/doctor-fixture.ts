import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { defaultEnvironment } from '../config/env.source';
import { loadConfig } from '../config/load-config';
import { type ConfiguredFiles, filesOf } from '../doctor/configured-files';
import type { Finding } from '../doctor/finding';
import { generateDevCertificates } from '../tls/dev-certificates';

/** The checkout: config/defaults.env, and the root relative paths resolve against. */
export const ROOT = resolve(__dirname, '..', '..');

export type Env = Record<string, string>;

/** config/defaults.env alone: a fresh development checkout without .env. */
export const defaults = (): Env => defaultEnvironment(ROOT) as Env;

const freshRoots: string[] = [];

/** A checkout with nothing generated yet: relative paths of the defaults resolve under it. */
export function freshRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'nest-2fa-api-doctor-fresh-'));
  freshRoots.push(root);
  return root;
}

/** For afterAll: removes every freshRoot() of this spec file. */
export function removeFreshRoots(): void {
  for (const root of freshRoots.splice(0)) rmSync(root, { recursive: true, force: true });
}

export const configOf = (env: Env): AppConfig => loadConfig(env);
export const filesFor = (env: Env): ConfiguredFiles => filesOf(loadConfig(env));

export const highs = (findings: Finding[]): string[] =>
  findings.filter((f) => f.severity === 'high').map((f) => f.finding);
export const matching = (findings: Finding[], pattern: RegExp): Finding[] =>
  findings.filter((f) => pattern.test(f.finding));

/**
 * A production configuration the doctor passes, its files under `dir`
 * (which productionFixture fills; config-only checks never read them).
 */
export const productionEnv = (dir: string): Env => ({
  ...defaults(),
  NODE_ENV: 'production',
  APP_SECRET: randomBytes(48).toString('base64url'),
  JWT_PRIVATE_KEY_FILE: join(dir, 'jwt.pem'),
  TLS_CERT_FILE: join(dir, 'prod', 'server.crt'),
  TLS_KEY_FILE: join(dir, 'prod', 'server.key'),
  CERTS_DIR: join(dir, 'dev-certs'),
  DEV_SECRETS_DIR: join(dir, 'dev-secrets'),
  IP_ALLOWLIST: '10.0.0.0/8',
  TRUSTED_PROXIES: '10.0.0.5',
  REGISTRATION_ENABLED: 'false',
  WEBAUTHN_RP_ID: 'example.com',
  WEBAUTHN_ORIGINS: 'https://example.com',
  DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
});

/**
 * What a production deployment has on disk, in a temporary directory: an
 * ES256 key (0600), a certificate from a CA of its own, and a dev CA in
 * CERTS_DIR to compare it with.
 */
export interface ProductionFixture {
  dir: string;
  production(): Env;
  remove(): void;
}

export async function productionFixture(): Promise<ProductionFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-doctor-'));
  writeFileSync(
    join(dir, 'jwt.pem'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 },
  );
  chmodSync(join(dir, 'jwt.pem'), 0o600);
  // Stand-in for a real certificate: issued by a separate CA, not the dev CA of CERTS_DIR.
  await generateDevCertificates(join(dir, 'prod'), () => undefined);
  await generateDevCertificates(join(dir, 'dev-certs'), () => undefined);
  return {
    dir,
    production: () => productionEnv(dir),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
