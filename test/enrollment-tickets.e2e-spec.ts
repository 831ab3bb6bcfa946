import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { EnrollmentTicket } from '../src/enrollment/enrollment-ticket.entity';
import { EnrollmentTicketsService } from '../src/enrollment/enrollment-tickets.service';
import { expectError, expectTooMany } from './support/expect-error';
import { enrolledUser, login, register, STRONG_PASSWORD } from './support/flows';
import type { HttpsClient } from './support/https-client';
import { removeDataDir, useTestApp, withTestApp } from './support/test-app';
import { freshCode } from './support/totp';

/**
 * Issue 11 §1: a password alone never enrolls an authenticator. The
 * attacker here holds the victim's password (phished), before or after a
 * 2FA reset, and tries to enroll their own authenticator.
 */

const TICKET_REQUIRED = 'An enrollment ticket is required';

const setup = (client: HttpsClient, token: string, body?: unknown) => client.post('/auth/2fa/setup', { token, body });
const enable = (client: HttpsClient, token: string, secret: string) =>
  client.post('/auth/2fa/enable', { token, body: { code: freshCode(secret, null).code } });

describe('enrollment tickets', () => {
  const app = useTestApp({ LOCKOUT_THRESHOLD: '1000' });

  it("registration returns a ticket; setup refuses the password alone, a wrong ticket, another user's ticket (403)", async () => {
    const victim = await register(app.client);
    const other = await register(app.client);
    expect(victim.enrollmentTicket).toMatch(/^[\w-]{43}$/);
    const phisher = await login(app.client, victim.username, victim.password);

    expectError(await setup(app.client, phisher), 403, TICKET_REQUIRED);
    expectError(await setup(app.client, phisher, {}), 403, TICKET_REQUIRED);
    expectError(await setup(app.client, phisher, { enrollmentTicket: '' }), 403, TICKET_REQUIRED);
    expectError(await setup(app.client, phisher, { enrollmentTicket: 'x'.repeat(43) }), 403, TICKET_REQUIRED);
    expectError(await setup(app.client, phisher, { enrollmentTicket: other.enrollmentTicket }), 403, TICKET_REQUIRED);
    // A ticket that is not a string, or absurdly long, is a malformed body.
    expectError(await setup(app.client, phisher, { enrollmentTicket: 42 }), 400);
    expectError(await setup(app.client, phisher, { enrollmentTicket: 'x'.repeat(129) }), 400);
    // Nothing was set up: enable has no pending secret.
    expectError(await app.client.post('/auth/2fa/enable', { token: phisher, body: { code: '123456' } }), 409);

    // The rightful owner, with the ticket, enrolls.
    const owner = await login(app.client, victim.username, victim.password);
    const pending = await setup(app.client, owner, { enrollmentTicket: victim.enrollmentTicket });
    expect(pending.status).toBe(200);
    expect((await enable(app.client, owner, pending.body.secret)).status).toBe(200);
  });

  it("after a 2FA reset, the phisher holding the password cannot enroll; the owner, with the reset's ticket, can", async () => {
    const user = await enrolledUser(app.client);
    const { code } = freshCode(user.secret, user.lastStep);
    const reset = await app.client.post('/auth/2fa/reset', {
      token: user.accessToken,
      body: { password: user.password, code },
    });
    expect(reset.status).toBe(200);
    const ticket = reset.body.enrollmentTicket as string;

    // The registration's ticket was spent at the first enrollment.
    const phisher = await login(app.client, user.username, user.password);
    expectError(await setup(app.client, phisher), 403, TICKET_REQUIRED);
    expectError(await setup(app.client, phisher, { enrollmentTicket: user.recoveryCodes[0] }), 403, TICKET_REQUIRED);

    const owner = await login(app.client, user.username, user.password);
    const pending = await setup(app.client, owner, { enrollmentTicket: ticket });
    expect(pending.status).toBe(200);
    const enabled = await enable(app.client, owner, pending.body.secret);
    expect(enabled.status).toBe(200);
    expect(enabled.body.deviceToken).toEqual(expect.any(String));
  });

  it('is spent by enable, not by setup: setup may repeat, the ticket dies with the enrollment', async () => {
    const { id, username, password, enrollmentTicket } = await register(app.client);
    const tickets = app.t.app.get(DataSource).getRepository(EnrollmentTicket);
    const token = await login(app.client, username, password);
    expect((await setup(app.client, token, { enrollmentTicket })).status).toBe(200);
    const second = await setup(app.client, token, { enrollmentTicket });
    expect(second.status).toBe(200);
    expect(await tickets.countBy({ userId: id })).toBe(1);
    expect((await enable(app.client, token, second.body.secret)).status).toBe(200);
    expect(await tickets.countBy({ userId: id })).toBe(0);
  });

  it('a ticket voided between setup and enable (a newer one was issued) enrolls nothing: 403; the newer one works', async () => {
    const { id, username, password, enrollmentTicket } = await register(app.client);
    const token = await login(app.client, username, password);
    const pending = await setup(app.client, token, { enrollmentTicket });
    expect(pending.status).toBe(200);
    // The operator issues a new ticket (user:enrollment-ticket) meanwhile.
    const newer = await app.t.app.get(EnrollmentTicketsService).issue(id);
    expectError(await enable(app.client, token, pending.body.secret), 403, TICKET_REQUIRED);
    expect((await app.client.get('/auth/me', { token })).status).toBe(401);

    const again = await login(app.client, username, password);
    expectError(await setup(app.client, again, { enrollmentTicket }), 403, TICKET_REQUIRED);
    const fresh = await setup(app.client, again, { enrollmentTicket: newer });
    expect(fresh.status).toBe(200);
    expect((await enable(app.client, again, fresh.body.secret)).status).toBe(200);
  });

  it('is stored only as a keyed hash: neither the ticket nor its plain SHA-256 is in the database', async () => {
    const { id, enrollmentTicket } = await register(app.client);
    const row = await app.t.app.get(DataSource).getRepository(EnrollmentTicket).findOneByOrFail({ userId: id });
    expect(row.ticketHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.ticketHash).not.toBe(hashOf(enrollmentTicket));
    expect(JSON.stringify(row)).not.toContain(enrollmentTicket);
  });

  it('wrong tickets use up the pre-auth token (5 tries); missing ones do not count', async () => {
    const { username, password, enrollmentTicket } = await register(app.client);
    const token = await login(app.client, username, password);
    for (let i = 0; i < 8; i += 1) expectError(await setup(app.client, token), 403, TICKET_REQUIRED);
    for (let i = 0; i < 5; i += 1) {
      expectError(await setup(app.client, token, { enrollmentTicket: `wrong-${i}` }), 403, TICKET_REQUIRED);
    }
    // Budget gone: even the right ticket is refused with this pre-auth token.
    expectError(await setup(app.client, token, { enrollmentTicket }), 401);
    expect((await setup(app.client, await login(app.client, username, password), { enrollmentTicket })).status).toBe(
      200,
    );
  });
});

describe('enrollment tickets and the lockout', () => {
  it('wrong tickets count toward the account lockout; right ones give their attempt back', () =>
    withTestApp({ LOCKOUT_THRESHOLD: '3' }, async ({ client }) => {
      const { username, password, enrollmentTicket } = await register(client);
      // Right tickets, many times: each gives its attempt back.
      for (let i = 0; i < 4; i += 1) {
        expect((await setup(client, await login(client, username, password), { enrollmentTicket })).status).toBe(200);
      }
      for (let i = 0; i < 3; i += 1) {
        const token = await login(client, username, password);
        expectError(await setup(client, token, { enrollmentTicket: `guess-${i}` }), 403, TICKET_REQUIRED);
      }
      expectTooMany(await client.post('/auth/login', { body: { username, password } }), 900);
    }));
});

describe('ENROLLMENT_TICKET_REQUIRED=false', () => {
  it('enrolls with the password alone (the old behaviour), and registration still returns a ticket', () =>
    withTestApp({ ENROLLMENT_TICKET_REQUIRED: 'false' }, async ({ client }) => {
      const { username, password, enrollmentTicket } = await register(client, undefined, STRONG_PASSWORD);
      expect(enrollmentTicket).toMatch(/^[\w-]{43}$/);
      const token = await login(client, username, password);
      const pending = await setup(client, token);
      expect(pending.status).toBe(200);
      expect((await enable(client, token, pending.body.secret)).status).toBe(200);
    }));

  it('a secret set up while tickets were off does not enroll once they are on (restart, same database)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-test-'));
    try {
      const pending = await withTestApp(
        { ENROLLMENT_TICKET_REQUIRED: 'false' },
        async ({ client }) => {
          const user = await register(client);
          const token = await login(client, user.username, user.password);
          return { token, secret: (await setup(client, token)).body.secret as string };
        },
        { dataDir },
      );
      await withTestApp(
        {},
        async ({ client }) => expectError(await enable(client, pending.token, pending.secret), 403, TICKET_REQUIRED),
        { dataDir },
      );
    } finally {
      removeDataDir(dataDir);
    }
  });
});

function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
