import 'reflect-metadata';
import { resolve } from 'node:path';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError } from 'commander';
import { toString as qrToString } from 'qrcode';
import { restrictNewFilesToOwner } from '../common/owner-only-files';
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/config.error';
import { readEnvironment } from '../config/env.source';
import { loadConfig } from '../config/load-config';
import { resolveRuntimeSecrets } from '../config/runtime-secrets';
import { generateDevCertificates } from '../tls/dev-certificates';
import type { User } from '../users/user.entity';
import { AdminService } from './admin.service';
import { CliError } from './cli-error';
import { CliModule } from './cli.module';
import { Prompter } from './prompt';
import { formatTable } from './table';

const MAX_TRIES = 3;

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: () => Record<string, string | undefined>;
}

interface Context {
  app: INestApplicationContext;
  admin: AdminService;
  config: AppConfig;
}

/**
 * The admin CLI: `npm run cli -- <command>`. Works on the configured
 * database directly (same environment, same validation and secrets as the
 * API), through the API's own services, so every rule (password policy,
 * sealed TOTP secrets, replay step, session revocation) is the same.
 * Returns the exit code: 0 done, 1 error, 2 nothing could be done.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const info = (line: string) => io.stderr.write(`${line}\n`);
  const prompter = new Prompter(io.stdin, io.stderr);
  let exitCode = 0;

  const withContext = async (run: (context: Context) => Promise<number | void>): Promise<void> => {
    const context = await openContext(io.env(), info);
    try {
      exitCode = (await run(context)) ?? 0;
    } finally {
      await context.app.close();
    }
  };

  const program = new Command('cli')
    .description('Administration of the nest-2fa-api database (same configuration as the API)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  program
    .command('user:create')
    .description('create a user (the password policy of the API applies)')
    .argument('<username>')
    .option('--password-stdin', 'read the password from the first line of stdin (scripts), no confirmation')
    .action(async (username: string, options: { passwordStdin?: boolean }) =>
      withContext(async ({ admin, config }) => {
        admin.validateUsername(username);
        const password = options.passwordStdin
          ? await passwordFromStdin(prompter)
          : await askNewPassword(prompter, admin, username, info);
        const problem = admin.passwordProblem(username, password);
        if (problem) throw new CliError(problem);
        info(`Creating user "${username}" …`);
        const { user, enrollmentTicket } = await admin.createUser(username, password);
        out(`Created user ${user.username} (id ${user.id}).`);
        ticketLines(user, enrollmentTicket, config.enrollment.ticketTtlSeconds).forEach((line) => out(line));
      }),
    );

  program
    .command('user:list')
    .description('list users: id, username, 2FA on/off, created')
    .action(async () =>
      withContext(async ({ admin }) => {
        const users = await admin.list();
        if (users.length === 0) {
          out('No users.');
          return;
        }
        out(
          formatTable(
            ['ID', 'USERNAME', '2FA', 'CREATED'],
            users.map((u) => [u.id, u.username, u.totpEnabled ? 'on' : 'off', u.createdAt.toISOString()]),
          ),
        );
      }),
    );

  program
    .command('user:unlock')
    .description('clear the failed-attempt lockout of a user (needs REDIS_URL: see the note it prints)')
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin, config }) => {
        const user = await admin.findUser(username);
        if (!admin.sharedStore) {
          info(
            `Nothing done: REDIS_URL is not set, so lockout counters live in the memory of each running API process, ` +
              `which this command cannot reach. A lock ends by itself ${config.lockout.seconds} s (LOCKOUT_SECONDS) ` +
              `after the last failed attempt; restarting the API process also clears it.`,
          );
          return 2;
        }
        const status = await admin.lockoutStatus(user);
        await admin.unlock(user);
        if (status?.locked) {
          out(
            `Unlocked ${user.username} (${status.failures} failed attempts, ${Math.ceil(status.ttlMs / 1000)} s of lock left).`,
          );
        } else {
          out(
            `${user.username} was not locked (${status?.failures ?? 0} failed attempts counted); the counter is cleared.`,
          );
        }
      }),
    );

  program
    .command('user:reset-2fa')
    .description('remove the authenticator, recovery codes and every session (as POST /auth/2fa/reset)')
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin, config }) => {
        const user = await admin.findUser(username);
        info(`Resetting two-factor authentication of ${user.username} …`);
        const enrollmentTicket = await admin.resetTwoFactor(user);
        out(
          `Two-factor authentication of ${user.username} removed: recovery codes deleted, all sessions and device tokens ended.`,
        );
        ticketLines(user, enrollmentTicket, config.enrollment.ticketTtlSeconds).forEach((line) => out(line));
        accessTokenNote(admin, config, info);
      }),
    );

  program
    .command('user:enrollment-ticket')
    .description('issue a new enrollment ticket for a user without an authenticator (the previous one stops working)')
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin, config }) => {
        const user = await admin.findUser(username);
        const enrollmentTicket = await admin.issueEnrollmentTicket(user);
        ticketLines(user, enrollmentTicket, config.enrollment.ticketTtlSeconds).forEach((line) => out(line));
      }),
    );

  program
    .command('sessions:revoke')
    .description('end every session of a user (refresh tokens stop working)')
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin, config }) => {
        const user = await admin.findUser(username);
        await admin.revokeSessions(user);
        out(`All sessions and device tokens of ${user.username} ended: their refresh tokens no longer work.`);
        accessTokenNote(admin, config, info);
      }),
    );

  program
    .command('user:enroll')
    .description('enroll an authenticator for a user from this terminal (QR code, then a code from the app)')
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin }) => {
        const user = await admin.findUser(username);
        await enroll(admin, user, prompter, out, info);
      }),
    );

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

  program
    .command('certs:dev')
    .description('regenerate the development CA and server certificate in CERTS_DIR')
    .action(async () => {
      const env = io.env();
      const dir = resolve(env.CERTS_DIR?.trim() || 'certs');
      if (env.NODE_ENV === 'production') {
        info(
          'Warning: NODE_ENV=production. Dev certificates are for development; production uses TLS_CERT_FILE/TLS_KEY_FILE.',
        );
      }
      await generateDevCertificates(dir, info);
      out(
        `New dev CA and server certificate written to ${dir}. Clients must trust the new dev-ca.crt; restart the API to serve the new certificate.`,
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.stderr.write(`Error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    io.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    prompter.close();
  }
}

async function openContext(env: Record<string, string | undefined>, info: (line: string) => void): Promise<Context> {
  const config = loadConfig(env);
  const secrets = await resolveRuntimeSecrets(config, info);
  const app = await NestFactory.createApplicationContext(CliModule.register(config, secrets), {
    // The CLI's own messages are the output; the framework only speaks up for problems, on stderr.
    logger: stderrLogger,
    abortOnError: false,
  });
  return { app, admin: app.get(AdminService), config };
}

async function passwordFromStdin(prompter: Prompter): Promise<string> {
  const line = await prompter.line();
  if (line === null || line === '') throw new CliError('--password-stdin: no password on stdin');
  return line;
}

async function askNewPassword(
  prompter: Prompter,
  admin: AdminService,
  username: string,
  info: (line: string) => void,
): Promise<string> {
  if (!prompter.isInteractive) {
    throw new CliError('stdin is not a terminal: pass --password-stdin to read the password from it');
  }
  for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
    const password = await prompter.secret(`Password for ${username}: `);
    const problem = admin.passwordProblem(username, password);
    if (problem) {
      info(problem);
      continue;
    }
    if ((await prompter.secret('Repeat the password: ')) !== password) {
      info('The two passwords differ.');
      continue;
    }
    return password;
  }
  throw new CliError(`No acceptable password after ${MAX_TRIES} tries`);
}

async function enroll(
  admin: AdminService,
  user: User,
  prompter: Prompter,
  out: (line?: string) => void,
  info: (line: string) => void,
): Promise<void> {
  const pending = await admin.beginEnrollment(user);
  out(`Enrolling an authenticator for ${user.username}. Scan this QR code with the authenticator app:`);
  out();
  out(await qrToString(pending.otpauthUrl, { type: 'terminal', small: true, errorCorrectionLevel: 'M' }));
  out(`Or enter this secret manually (shown once): ${pending.secret}`);
  for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
    const code = await prompter.line('6-digit code from the app: ');
    if (code === null) throw new CliError('No code given (stdin ended): the user stays without an authenticator');
    const recoveryCodes = await admin.completeEnrollment(pending, code);
    if (recoveryCodes === null) {
      info('That code is not valid for this secret (check the device clock).');
      continue;
    }
    out(`Two-factor authentication enabled for ${user.username}.`);
    out('Recovery codes, shown once: give them to the user to keep offline (each works once):');
    for (const recoveryCode of recoveryCodes) out(`  ${recoveryCode}`);
    return;
  }
  throw new CliError(`No valid code after ${MAX_TRIES} tries: the user stays without an authenticator`);
}

/**
 * The ticket goes to stdout (the command's output) with what the user does
 * with it. It is the second proof besides the password: hand it over on a
 * channel the password did not travel on.
 */
function ticketLines(user: User, ticket: string, ttlSeconds: number): string[] {
  return [
    `Enrollment ticket for ${user.username} (shown once, valid ${Math.round(ttlSeconds / 3600)} h; a newer ticket replaces it):`,
    `  ${ticket}`,
    'Give it to the user on another channel than the password. At the next login they send it to POST /auth/2fa/setup ' +
      'as {"enrollmentTicket": "…"} to enroll an authenticator (or run user:enroll with them at this terminal).',
  ];
}

function accessTokenNote(admin: AdminService, config: AppConfig, info: (line: string) => void): void {
  if (admin.sharedStore) {
    info('Access tokens of those sessions are refused at once by every instance (revocation list in Redis).');
  } else {
    info(
      `Note: REDIS_URL is not set, so a running API process keeps its revocation list in memory: access tokens ` +
        `already issued stay valid until they expire (at most ${config.jwt.accessTtlSeconds} s, JWT_ACCESS_TTL) ` +
        `or until the API restarts (it then reloads recent revocations from the database).`,
    );
  }
}

const stderrLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => process.stderr.write(`warning: ${String(message)}\n`),
  error: (message: unknown) => process.stderr.write(`error: ${String(message)}\n`),
  fatal: (message: unknown) => process.stderr.write(`fatal: ${String(message)}\n`),
};

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: () => readEnvironment() };
}

if (require.main === module) {
  restrictNewFilesToOwner();
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
