import type { AppConfig } from '../config/app-config';
import { type Env, envSchema } from '../config/env.schema';

type Source = Record<string, string | undefined>;

/**
 * The files the configuration names, as configured (relative paths resolve
 * against the working directory), for the checks that look at the files
 * themselves. An undefined entry names no file, or names it with a value the
 * configuration refuses (a config finding already says so).
 */
export interface ConfiguredFiles {
  production: boolean;
  devSecretsDir?: string;
  certsDir?: string;
  /** The ES256 signing key; undefined with HS256, which has no key file. */
  jwtPrivateKeyFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** The SQLite database; undefined for PostgreSQL or an in-memory database. */
  sqliteFile?: string;
}

/** The files of a configuration the API accepts. */
export function filesOf(config: AppConfig): ConfiguredFiles {
  return {
    production: config.isProduction,
    devSecretsDir: config.secrets.devSecretsDir,
    certsDir: config.tls.certsDir,
    jwtPrivateKeyFile: config.jwt.algorithm === 'ES256' ? config.jwt.privateKeyFile : undefined,
    tlsCertFile: config.tls.certFile,
    tlsKeyFile: config.tls.keyFile,
    sqliteFile: sqliteFileOf(config.database.url),
  };
}

/**
 * The files of a configuration the API refuses: each variable read through
 * its own entry of the env schema, so a mistake in an unrelated variable
 * (a port, a rate) does not hide an exposed key or a missing certificate.
 */
export function filesFromEnvironment(source: Source): ConfiguredFiles {
  const field = <K extends keyof Env>(name: K): Env[K] | undefined => {
    const parsed = envSchema.shape[name].safeParse(source[name]);
    return parsed.success ? (parsed.data as Env[K]) : undefined;
  };
  const databaseUrl = field('DATABASE_URL');
  return {
    production: field('NODE_ENV') === 'production',
    devSecretsDir: field('DEV_SECRETS_DIR'),
    certsDir: field('CERTS_DIR'),
    jwtPrivateKeyFile: field('JWT_ALGORITHM') === 'HS256' ? undefined : field('JWT_PRIVATE_KEY_FILE'),
    tlsCertFile: field('TLS_CERT_FILE'),
    tlsKeyFile: field('TLS_KEY_FILE'),
    sqliteFile: databaseUrl === undefined ? undefined : sqliteFileOf(databaseUrl),
  };
}

/** As the data source reads DATABASE_URL: `sqlite:<path>`, `sqlite::memory:` or PostgreSQL. */
function sqliteFileOf(url: string): string | undefined {
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') return undefined;
  return url.slice('sqlite:'.length);
}
