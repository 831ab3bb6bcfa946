import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/config.error';
import { readPrivateKeyFile } from '../config/private-key-file';
import { ensureDevCertificates } from './dev-certificates';
import { describeKeyExchangeGroups, runtimeKeyExchangeGroups } from './key-exchange-groups';
import { buildTlsOptions } from './tls-options';

/**
 * The HTTPS options of the server: the operator's certificate when
 * TLS_CERT_FILE/TLS_KEY_FILE are set (always, in production), otherwise dev
 * certificates signed by a local dev CA, so clients verify TLS instead of
 * turning verification off.
 */
export async function loadServerTls(config: AppConfig, log: (message: string) => void) {
  const { certFile, keyFile, certsDir } = config.tls;
  const keyExchange = runtimeKeyExchangeGroups();
  log(describeKeyExchangeGroups(keyExchange));
  if (certFile && keyFile) {
    const [cert, key] = await Promise.all([
      readTlsFile(certFile, 'TLS_CERT_FILE'),
      readPrivateKeyFile(keyFile, 'TLS_KEY_FILE', config.isProduction),
    ]);
    return buildTlsOptions(cert, key, keyExchange.groups);
  }
  const paths = await ensureDevCertificates(certsDir, log);
  const ca = relative(process.cwd(), paths.caCert) || paths.caCert;
  log(`Dev TLS: trust the dev CA ${ca}, e.g. curl --cacert ${ca} https://localhost:${config.http.port}/health`);
  const [cert, key] = await Promise.all([readFile(paths.serverCert), readFile(paths.serverKey)]);
  return buildTlsOptions(cert, key, keyExchange.groups);
}

async function readTlsFile(path: string, variable: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError([{ variable, message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code})` }]);
  }
}
