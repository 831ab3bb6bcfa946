import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import QRCode from 'qrcode';
import { ApiError, bearer, createApiClient, ok } from './client.ts';

/**
 * The whole life of an account, as an API client lives it: register → login
 * → enroll an authenticator (QR code in the terminal) → confirm it → a later
 * login with a code → /auth/me → refresh → logout. An authenticator app is
 * played by otplib; a real client asks its user for the code instead.
 *
 *   NODE_EXTRA_CA_CERTS=certs/dev-ca.crt node examples/client/main.ts    (Node ≥ 22.18)
 *   npm run client:example                                               (any supported Node)
 *
 * API (default https://localhost:3443) points it at another server.
 */
const api = createApiClient(process.env.API ?? 'https://localhost:3443');
const username = process.env.CLIENT_USERNAME ?? `demo.${randomBytes(4).toString('hex')}`;
// A random password: the demo account is thrown away.
const password = process.env.CLIENT_PASSWORD ?? randomBytes(18).toString('base64url');

async function main(): Promise<void> {
  const registered = await ok('register', api.POST('/auth/register', { body: { username, password } }));
  console.log(`1. register: ${registered.username} (${registered.id}), with an enrollment ticket`);

  const first = await ok('login', api.POST('/auth/login', { body: { username, password } }));
  console.log(`2. login: password accepted, next: ${first.next}`);

  const setup = await ok(
    'setup',
    api.POST('/auth/2fa/setup', {
      headers: bearer(first.preAuthToken),
      body: { enrollmentTicket: registered.enrollmentTicket },
    }),
  );
  console.log('3. enroll: scan this with an authenticator app, or type the secret in');
  console.log(await QRCode.toString(setup.otpauthUrl, { type: 'terminal', small: true }));
  console.log(`   secret: ${setup.secret}`);

  const enabled = await ok(
    'enable',
    api.POST('/auth/2fa/enable', {
      headers: bearer(first.preAuthToken),
      body: { code: await generate({ secret: setup.secret }) },
    }),
  );
  console.log(`4. enable: 2FA on, signed in; ${enabled.recoveryCodes.length} recovery codes to keep offline`);

  // Every later login: the password with this device's token, then a fresh code. The code
  // step 4 used is spent, so take the next step's (the server accepts one step either side).
  const second = await ok(
    'login again',
    api.POST('/auth/login', { body: { username, password, deviceToken: enabled.deviceToken } }),
  );
  const nextCode = await generate({ secret: setup.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
  const verified = await ok(
    'verify',
    api.POST('/auth/2fa/verify', { headers: bearer(second.preAuthToken), body: { code: nextCode } }),
  );
  console.log(`5. verify: login again (next: ${second.next}), code accepted`);

  const me = await ok('me', api.GET('/auth/me', { headers: bearer(verified.accessToken) }));
  console.log(`6. me: ${me.username}, twoFactorEnabled: ${me.twoFactorEnabled}`);

  const refreshed = await ok('refresh', api.POST('/auth/refresh', { body: { refreshToken: verified.refreshToken } }));
  console.log(`7. refresh: a new access token (${refreshed.expiresIn} s) and the next refresh token`);

  await ok('logout', api.POST('/auth/logout', { headers: bearer(refreshed.accessToken) }));
  const after = await api.GET('/auth/me', { headers: bearer(refreshed.accessToken) });
  console.log(`8. logout: session ended; its access token now gets ${after.response.status}`);
}

main().catch((error: unknown) => {
  const code = (error as { cause?: { code?: string } })?.cause?.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO/.test(code)) {
    console.error(
      `TLS: the server's certificate is not trusted (${code}). Trust the dev CA with NODE_EXTRA_CA_CERTS=certs/dev-ca.crt.`,
    );
  } else if (error instanceof ApiError) {
    console.error(`refused at ${error.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
