import type { Command } from 'commander';
import { accessTokenNote } from '../access-token-note';
import type { CliRuntime } from '../cli-runtime';

/** sessions:*: what a login left behind. */
export function registerSessionCommands(program: Command, { out, info, withContext }: CliRuntime): void {
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
