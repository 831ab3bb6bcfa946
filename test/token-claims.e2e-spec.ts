import { randomUUID } from 'node:crypto';
import { expectError } from './support/expect-error';
import { enrolledUser, login, register } from './support/flows';
import { signingKeysOf, type SigningKeys } from './support/fuzz/token-bank';
import { decodeJwt, es256, hs256 } from './support/jwt';
import { useTestApp } from './support/test-app';

/**
 * Tokens with a valid signature (made here with the server's own dev keys,
 * as only a key holder could) whose ids are not ones the server issues: a
 * NUL in `sid` or `sub` reached a PostgreSQL query and failed (a 500, found by
 * the contract fuzz on the distributed backends). Every such token is now a
 * 401 before any lookup; the same helper with the real claims is the control.
 */
describe('signed tokens with ids the server never issues', () => {
  const app = useTestApp();
  let keys: SigningKeys;

  beforeAll(() => {
    keys = signingKeysOf(app.t);
  });

  const HOSTILE_IDS: Array<[string, unknown]> = [
    ['a NUL', '\u0000'],
    ['a NUL inside a UUID', '00000000-0000-4000-8000-00000000000\u0000'],
    ['not a UUID', 'not-a-uuid'],
    ['an upper-case UUID', randomUUID().toUpperCase()],
    ['a number', 42],
  ];

  describe('access tokens', () => {
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;

    beforeAll(async () => {
      const user = await enrolledUser(app.client);
      ({ header, claims } = decodeJwt(user.accessToken));
    });

    it('control: re-signed with the real claims, the token works', async () => {
      const res = await app.client.get('/auth/me', {
        token: es256(header, { ...claims, jti: randomUUID() }, keys.access),
      });
      expect(res.status).toBe(200);
    });

    it.each(HOSTILE_IDS)('%s as sub, sid or jti → 401 on /auth/me and /auth/logout', async (_name, id) => {
      for (const claim of ['sub', 'sid', 'jti']) {
        const token = es256(header, { ...claims, jti: randomUUID(), [claim]: id }, keys.access);
        for (const [method, path] of [
          ['GET', '/auth/me'],
          ['POST', '/auth/logout'],
        ]) {
          const res = await app.client.send(method, path, { token });
          expect({ claim, path, status: res.status }).toEqual({ claim, path, status: 401 });
          expectError(res, 401);
        }
      }
    });
  });

  describe('pre-auth tokens', () => {
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    let enrollmentTicket: string;

    beforeAll(async () => {
      const registered = await register(app.client);
      enrollmentTicket = registered.enrollmentTicket;
      ({ header, claims } = decodeJwt(await login(app.client, registered.username, registered.password)));
    });

    it('control: re-signed with the real claims, the token works', async () => {
      const res = await app.client.post('/auth/2fa/setup', {
        token: hs256(header, { ...claims, jti: randomUUID() }, keys.preAuth),
        body: { enrollmentTicket },
      });
      expect(res.status).toBe(200);
    });

    it.each(HOSTILE_IDS)('%s as sub or jti → 401 on /auth/2fa/setup', async (_name, id) => {
      for (const claim of ['sub', 'jti']) {
        const token = hs256(header, { ...claims, jti: randomUUID(), [claim]: id }, keys.preAuth);
        const res = await app.client.post('/auth/2fa/setup', { token });
        expect({ claim, status: res.status }).toEqual({ claim, status: 401 });
        expectError(res, 401);
      }
    });
  });
});
