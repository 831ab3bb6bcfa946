import { enrolledUser } from './support/flows';
import { decodeJwt } from './support/jwt';
import { addPasskey, PASSKEY_ENV, PASSKEY_ORIGIN, passkeyLogin, passkeyUser } from './support/passkeys';
import { SoftAuthenticator } from './support/soft-authenticator';
import { useTestApp } from './support/test-app';

describe('passkeys (WebAuthn)', () => {
  const app = useTestApp(PASSKEY_ENV);

  it('smoke: TOTP user adds a passkey and logs in with it', async () => {
    const user = await enrolledUser(app.client);
    const key = new SoftAuthenticator({ origin: PASSKEY_ORIGIN });
    const added = await addPasskey(app.client, user.accessToken, key);
    expect(added).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: expect.any(String) });
    const res = await passkeyLogin(app.client, user, key);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.accessToken).claims.amr).toEqual(['pwd', 'hwk']);
  });

  it('smoke: passkey-only user', async () => {
    const user = await passkeyUser(app.client);
    expect(user.recoveryCodes).toHaveLength(10);
  });
});
