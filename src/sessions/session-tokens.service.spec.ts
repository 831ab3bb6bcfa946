import type { AccessTokenService } from '../tokens/access-token.service';
import type { UsersService } from '../users/users.service';
import { SessionTokensService } from './session-tokens.service';
import type { SessionsService } from './sessions.service';

/**
 * The interleaving a black-box race only hits by luck: a credential change
 * commits between the login's checks and its session. The session is
 * written, the version read after it, and a stale login ends its own session.
 */
describe('SessionTokensService.start', () => {
  const calls: string[] = [];
  const sessions = {
    start: async () => {
      calls.push('session written');
      return { sessionId: 'sid-1', refreshToken: 'refresh' };
    },
    end: async (sessionId: string) => {
      calls.push(`session ended ${sessionId}`);
    },
  } as unknown as SessionsService;
  const accessTokens = {
    expiresAt: (issuedAt: number) => issuedAt + 900_000,
    issue: () => {
      calls.push('access token issued');
      return { accessToken: 'at', tokenType: 'Bearer' as const, expiresIn: 900 };
    },
  } as unknown as AccessTokenService;

  const from = { clientAddress: '127.0.0.2', userAgent: 'test', deviceId: 'device-1' };

  beforeEach(() => {
    calls.length = 0;
  });

  const service = (currentVersion: number) =>
    new SessionTokensService(sessions, accessTokens, {
      hasCredentialVersion: async (_userId: string, version: number) => {
        calls.push('version read');
        return version === currentVersion;
      },
    } as unknown as UsersService);

  it('issues tokens when the credential version still holds, reading it only after the session is written', async () => {
    const tokens = await service(3).start('user-1', 3, ['pwd', 'otp'], from);
    expect(tokens).toEqual({ accessToken: 'at', tokenType: 'Bearer', expiresIn: 900, refreshToken: 'refresh' });
    expect(calls).toEqual(['session written', 'version read', 'access token issued']);
  });

  it('ends the session it just wrote and issues nothing when the version moved (a reset committed meanwhile)', async () => {
    expect(await service(4).start('user-1', 3, ['pwd', 'otp'], from)).toBeNull();
    expect(calls).toEqual(['session written', 'version read', 'session ended sid-1']);
  });
});
