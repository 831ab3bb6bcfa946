import { DataSource } from 'typeorm';
import { Session } from '../../src/sessions/session.entity';
import { decodeJwt } from './jwt';
import type { LiveTestApp } from './test-app';

export const FRESHNESS_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", ' +
  'max_age=300';

/**
 * A token whose session last proved a factor `ageSeconds` ago, without
 * waiting: the session's auth_time is moved back in the database, and a
 * refresh issues a token that carries it (a refresh never refreshes it).
 * Returns the new access token and the session's next refresh token.
 */
export async function agedTokens(
  app: LiveTestApp,
  tokens: { accessToken: string; refreshToken: string },
  ageSeconds = 600,
): Promise<{ accessToken: string; refreshToken: string }> {
  const sessionId = decodeJwt(tokens.accessToken).claims.sid as string;
  await app.t.app
    .get(DataSource)
    .getRepository(Session)
    .update({ id: sessionId }, { authTime: Date.now() - ageSeconds * 1000 });
  const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
  if (refreshed.status !== 200) throw new Error(`refresh: ${refreshed.status} ${refreshed.text}`);
  return { accessToken: refreshed.body.accessToken, refreshToken: refreshed.body.refreshToken };
}
