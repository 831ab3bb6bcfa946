import type { Command } from 'commander';
import { accessTokenNote } from '../access-token-note';
import type { CliRuntime } from '../cli-runtime';
import { formatTable } from '../table';

/** sessions:*: what a login left behind. */
export function registerSessionCommands(program: Command, { out, info, withContext }: CliRuntime): void {
  program
    .command('sessions:list')
    .description("list a user's live sessions, newest first (what GET /auth/sessions shows the user)")
    .argument('<username>')
    .action(async (username: string) =>
      withContext(async ({ admin }) => {
        const user = await admin.findUser(username);
        const sessions = await admin.listSessions(user);
        if (sessions.length === 0) {
          out(`No live sessions for ${user.username}.`);
          return;
        }
        // The User-Agent last: the longest cell. It is stored escaped, so no control character reaches the terminal.
        out(
          formatTable(
            ['ID', 'CREATED', 'LAST USED', 'ADDRESS', 'CREATED FROM', 'AMR', 'ACR', 'USER AGENT'],
            sessions.map((s) => [
              s.id,
              s.createdAt,
              s.lastUsedAt,
              s.clientAddress ?? '-',
              s.createdFromAddress ?? '-',
              s.amr.join(' '),
              s.acr,
              s.userAgent ?? '-',
            ]),
          ),
        );
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
}
