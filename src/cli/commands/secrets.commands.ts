import type { Command } from 'commander';
import { CliError } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';

/** secrets:*: what an APP_SECRET rotation leaves to do. */
export function registerSecretCommands(program: Command, { out, info, withContext }: CliRuntime): void {
  program
    .command('secrets:reseal')
    .description('after an APP_SECRET rotation: re-seal every stored TOTP secret under the current APP_SECRET')
    .action(async () =>
      withContext(async ({ admin, config }) => {
        info('Opening every stored TOTP secret …');
        const report = await admin.resealTotpSecrets();
        out(
          `${report.secrets} stored TOTP secret(s): ${report.resealed} re-sealed under the current APP_SECRET, ` +
            `${report.secrets - report.resealed - report.unreadable.length} already were.`,
        );
        if (report.unreadable.length > 0) {
          throw new CliError(
            `The TOTP secret of ${report.unreadable.join(', ')} opens under neither APP_SECRET nor APP_SECRET_PREVIOUS: ` +
              'that user cannot log in with the authenticator. Restore the secret it was sealed under, or run user:reset-2fa.',
          );
        }
        if (config.secrets.previousAppSecret) {
          info(
            'TOTP secrets no longer need APP_SECRET_PREVIOUS. Recovery codes issued before the rotation still do: ' +
              'they stop matching once it is removed (a user gets new ones with POST /auth/2fa/recovery-codes).',
          );
        }
      }),
    );
}
