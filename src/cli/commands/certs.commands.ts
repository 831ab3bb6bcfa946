import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config';
import { generateDevCertificates } from '../../tls/dev-certificates';
import type { CliRuntime } from '../cli-runtime';

/**
 * certs:*: the development CA. `npm run certs` is this command too. It reads
 * CERTS_DIR through the typed configuration, as the API does, so both
 * always agree on the directory; it needs no database and no secrets.
 */
export function registerCertCommands(program: Command, { io, out, info }: CliRuntime): void {
  program
    .command('certs:dev')
    .description('regenerate the development CA and server certificate in CERTS_DIR')
    .action(async () => {
      const config = loadConfig(io.env());
      const dir = resolve(config.tls.certsDir);
      if (config.isProduction) {
        info(
          'Warning: NODE_ENV=production. Dev certificates are for development; production uses TLS_CERT_FILE/TLS_KEY_FILE.',
        );
      }
      await generateDevCertificates(dir, info);
      out(
        `New dev CA and server certificate written to ${dir}. Clients must trust the new dev-ca.crt; restart the API to serve the new certificate.`,
      );
    });
}
