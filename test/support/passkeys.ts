import { login, register, uniqueUsername } from './flows';
import type { HttpsClient } from './https-client';
import { SoftAuthenticator } from './soft-authenticator';

/** The origin the test apps accept (WEBAUTHN_ORIGINS in PASSKEY_ENV); the soft authenticator claims it. */
export const PASSKEY_ORIGIN = 'https://localhost:8443';
export const PASSKEY_ENV = { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: PASSKEY_ORIGIN };

export interface PasskeyUser {
  id: string;
  username: string;
  password: string;
  authenticator: SoftAuthenticator;
  accessToken: string;
  refreshToken: string;
  deviceToken: string;
  recoveryCodes: string[];
}

/** register → login → enroll a passkey as the first (and only) second factor. */
export async function passkeyUser(
  client: HttpsClient,
  authenticator = new SoftAuthenticator({ origin: PASSKEY_ORIGIN }),
): Promise<PasskeyUser> {
  const { id, username, password, enrollmentTicket } = await register(client, uniqueUsername('pk'));
  const token = await login(client, username, password);
  const options = await client.post('/auth/webauthn/enroll/options', { token, body: { enrollmentTicket } });
  if (options.status !== 200) throw new Error(`enroll/options: ${options.status} ${options.text}`);
  const response = authenticator.register(options.body);
  const enrolled = await client.post('/auth/webauthn/enroll/verify', { token, body: { response, name: 'First key' } });
  if (enrolled.status !== 200) throw new Error(`enroll/verify: ${enrolled.status} ${enrolled.text}`);
  return {
    id,
    username,
    password,
    authenticator,
    accessToken: enrolled.body.accessToken,
    refreshToken: enrolled.body.refreshToken,
    deviceToken: enrolled.body.deviceToken,
    recoveryCodes: enrolled.body.recoveryCodes,
  };
}

/** A logged-in user adds a passkey (register/options → register/verify); returns the 201 body. */
export async function addPasskey(
  client: HttpsClient,
  accessToken: string,
  authenticator: SoftAuthenticator,
  name = 'Laptop',
) {
  const options = await client.post('/auth/webauthn/register/options', { token: accessToken });
  if (options.status !== 200) throw new Error(`register/options: ${options.status} ${options.text}`);
  const res = await client.post('/auth/webauthn/register/verify', {
    token: accessToken,
    body: { response: authenticator.register(options.body), name },
  });
  if (res.status !== 201) throw new Error(`register/verify: ${res.status} ${res.text}`);
  return res.body as { id: string; name: string; createdAt: string };
}

/** Password step, then the passkey: the second step of login. */
export async function passkeyLogin(
  client: HttpsClient,
  user: { username: string; password: string },
  authenticator: SoftAuthenticator,
) {
  const token = await login(client, user.username, user.password);
  const options = await client.post('/auth/webauthn/authenticate/options', { token });
  if (options.status !== 200) throw new Error(`authenticate/options: ${options.status} ${options.text}`);
  return client.post('/auth/webauthn/authenticate/verify', {
    token,
    body: { response: authenticator.assert(options.body) },
  });
}
