import { readFile } from 'node:fs/promises';
import type { AppConfig } from './app-config';
import { ConfigError } from './config.error';
import { createAppSecret, createEs256PrivateKeyPem, readOrCreateDevSecret } from './dev-secrets';
import { readPrivateKeyFile } from './private-key-file';

/** Secret material resolved once at startup, before the Nest container exists. */
export interface RuntimeSecrets {
  appSecret: Buffer;
  /** APP_SECRET before a rotation: still opens what it sealed, until re-sealed. */
  previousAppSecret?: Buffer;
  /** PEM of the ES256 signing key (JWT_ALGORITHM=ES256). */
  jwtPrivateKeyPem?: string;
  /** Raw HS256 key (JWT_ALGORITHM=HS256). */
  jwtSecret?: Buffer;
  /** PEMs of earlier ES256 public keys, still accepted during a key rotation. */
  jwtPreviousPublicKeyPems: string[];
}

export async function resolveRuntimeSecrets(
  config: AppConfig,
  log: (message: string) => void,
): Promise<RuntimeSecrets> {
  const dir = config.secrets.devSecretsDir;
  const appSecret = config.secrets.appSecret ?? (await readOrCreateDevSecret(dir, 'app-secret', createAppSecret, log));

  const base = {
    appSecret: Buffer.from(appSecret, 'utf8'),
    previousAppSecret: config.secrets.previousAppSecret
      ? Buffer.from(config.secrets.previousAppSecret, 'utf8')
      : undefined,
  };
  if (config.jwt.algorithm === 'HS256') {
    return { ...base, jwtSecret: Buffer.from(config.jwt.secret ?? '', 'utf8'), jwtPreviousPublicKeyPems: [] };
  }
  const jwtPrivateKeyPem = config.jwt.privateKeyFile
    ? (await readPrivateKeyFile(config.jwt.privateKeyFile, 'JWT_PRIVATE_KEY_FILE', config.isProduction)).toString(
        'utf8',
      )
    : await readOrCreateDevSecret(dir, 'jwt-es256.pem', createEs256PrivateKeyPem, log);
  const jwtPreviousPublicKeyPems = await Promise.all(
    config.jwt.previousPublicKeyFiles.map((file) => readKeyFile(file, 'JWT_PREVIOUS_PUBLIC_KEY_FILES')),
  );
  return { ...base, jwtPrivateKeyPem, jwtPreviousPublicKeyPems };
}

async function readKeyFile(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ variable, message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code})` }]);
  }
}
