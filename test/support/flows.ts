import { randomBytes } from 'node:crypto';
import type { HttpsClient } from './https-client';
import { freshCode } from './totp';

export const STRONG_PASSWORD = 'correct horse battery staple 42!';

export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}.${randomBytes(5).toString('hex')}`;
}

export interface EnrolledUser {
  username: string;
  password: string;
  secret: string;
  lastStep: number;
  accessToken: string;
  /** This client's device token from its last full login. */
  deviceToken: string;
  /** From the enable response: the session's first refresh token and the ten one-time recovery codes. */
  refreshToken: string;
  recoveryCodes: string[];
}

export async function register(client: HttpsClient, username = uniqueUsername(), password = STRONG_PASSWORD) {
  const res = await client.post('/auth/register', { body: { username, password } });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
  return { username, password, id: res.body.id as string, enrollmentTicket: res.body.enrollmentTicket as string };
}

export async function login(client: HttpsClient, username: string, password: string): Promise<string> {
  const res = await client.post('/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  return res.body.preAuthToken as string;
}

/** register → login → setup → enable, as an authenticator app would. */
export async function enrolledUser(client: HttpsClient, username = uniqueUsername()): Promise<EnrolledUser> {
  const { password, enrollmentTicket } = await register(client, username);
  const preAuthToken = await login(client, username, password);
  const setup = await client.post('/auth/2fa/setup', { token: preAuthToken, body: { enrollmentTicket } });
  if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${setup.text}`);
  const secret = setup.body.secret as string;
  const { code, step } = freshCode(secret, null);
  const enable = await client.post('/auth/2fa/enable', { token: preAuthToken, body: { code } });
  if (enable.status !== 200) throw new Error(`enable: ${enable.status} ${enable.text}`);
  return {
    username,
    password,
    secret,
    lastStep: step,
    accessToken: enable.body.accessToken,
    deviceToken: enable.body.deviceToken,
    refreshToken: enable.body.refreshToken,
    recoveryCodes: enable.body.recoveryCodes,
  };
}

/** Password step, then a recovery code instead of a TOTP code: a new session without spending a TOTP step. */
export async function recoveryLogin(client: HttpsClient, username: string, password: string, recoveryCode: string) {
  const preAuthToken = await login(client, username, password);
  return client.post('/auth/2fa/verify', { token: preAuthToken, body: { recoveryCode } });
}
