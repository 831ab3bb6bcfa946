import type { Command } from 'commander';
import { toString as qrToString } from 'qrcode';
import type { User } from '../../users/user.entity';
import { accessTokenNote } from '../access-token-note';
import type { AdminService } from '../admin.service';
import { CliError } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';
import type { Prompter } from '../prompt';
import { formatTable } from '../table';

const MAX_TRIES = 3;

/** user:*: accounts, their lockout and their second factor. */
export function registerUserCommands(program: Command, cli: CliRuntime): void {
  const { out, info, prompter, withContext } = cli;

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
    .command('user:enroll')
    .description('enroll an authenticator for a user from this terminal (QR code, then a code from the app)')
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin }) => {
        const user = await admin.findUser(username);
        await enroll(admin, user, prompter, out, info);
      }),
    );
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
