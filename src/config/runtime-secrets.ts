import { readFile } from 'node:fs/promises';
import type { AppConfig } from './app-config';
import { ConfigError } from './config.error';
import { createAppSecret, createEs256PrivateKeyPem, readOrCreateDevSecret } from './dev-secrets';

/** Secret material resolved once at startup, before the Nest container exists. */
export interface RuntimeSecrets {
  appSecret: Buffer;
  /** PEM of the ES256 signing key (JWT_ALGORITHM=ES256). */
  jwtPrivateKeyPem?: string;
  /** Raw HS256 key (JWT_ALGORITHM=HS256). */
  jwtSecret?: Buffer;
}

export async function resolveRuntimeSecrets(
  config: AppConfig,
  log: (message: string) => void,
): Promise<RuntimeSecrets> {
  const dir = config.secrets.devSecretsDir;
  const appSecret =
    config.secrets.appSecret ?? (await readOrCreateDevSecret(dir, 'app-secret', createAppSecret, log));

  if (config.jwt.algorithm === 'HS256') {
    return { appSecret: Buffer.from(appSecret, 'utf8'), jwtSecret: Buffer.from(config.jwt.secret ?? '', 'utf8') };
  }
  let jwtPrivateKeyPem: string;
  if (config.jwt.privateKeyFile) {
    try {
      jwtPrivateKeyPem = await readFile(config.jwt.privateKeyFile, 'utf8');
    } catch (error) {
      throw new ConfigError([
        `JWT_PRIVATE_KEY_FILE: cannot read ${config.jwt.privateKeyFile} (${(error as NodeJS.ErrnoException).code})`,
      ]);
    }
  } else {
    jwtPrivateKeyPem = await readOrCreateDevSecret(dir, 'jwt-es256.pem', createEs256PrivateKeyPem, log);
  }
  return { appSecret: Buffer.from(appSecret, 'utf8'), jwtPrivateKeyPem };
}
