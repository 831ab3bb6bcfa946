import { UnauthorizedException } from '@nestjs/common';
import { SecurityEvents } from '../audit/security-events.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { recorder, serviceUnderTest } from '../testing/service-module';
import { PasswordHasher } from '../users/password-hasher';
import type { User } from '../users/user.entity';
import { SecondFactors } from './second-factors.service';
import { StepUpVerifier } from './step-up-verifier.service';

const user = { id: 'u1', username: 'alice', passwordHash: 'hash', credentialVersion: 7 } as User;
const origin = { requestId: 'r1', clientAddress: '127.0.0.1', route: 'POST /auth/password' };

describe('StepUpVerifier', () => {
  async function verifier(options: { passwordOk?: boolean; factorOk?: boolean } = {}) {
    const log: string[] = [];
    const seen: { credentialVersion?: number; context?: object } = {};
    const service = await serviceUnderTest(StepUpVerifier, [
      [
        AccountLockoutService,
        recorder<AccountLockoutService>('lockout', log, {
          reserveAttempt: async () => undefined,
          refundAttempt: async () => undefined,
        }),
      ],
      [PasswordHasher, recorder<PasswordHasher>('password', log, { verify: async () => options.passwordOk ?? true })],
      [
        SecondFactors,
        recorder<SecondFactors>('factor', log, {
          verify: async (_user: User, _proof: unknown, context: { credentialVersion: number }) => {
            seen.credentialVersion = context.credentialVersion;
            seen.context = context;
            if (options.factorOk === false) throw new UnauthorizedException('Invalid code');
            return { kind: 'totp' };
          },
        }),
      ],
      [SecurityEvents, recorder<SecurityEvents>('events', log, { record: () => undefined })],
    ]);
    return { service, log, seen };
  }

  const withPassword = {
    password: { value: 'pw', failureEvent: 'auth.password.change_failed' as const },
    proof: { kind: 'totp' as const, code: '123456' },
  };

  it('reserves a lockout attempt, then checks the password, then the factor, then gives the attempt back', async () => {
    const { service, log, seen } = await verifier();
    await service.verify(user, withPassword, origin);
    expect(log).toEqual(['lockout.reserveAttempt', 'password.verify', 'factor.verify', 'lockout.refundAttempt']);
    // The factor is held to the credential version of the row just read.
    expect(seen.credentialVersion).toBe(7);
  });

  it('a wrong password is recorded and refused before the factor is looked at (no TOTP step spent), attempt kept', async () => {
    const { service, log } = await verifier({ passwordOk: false });
    await expect(service.verify(user, withPassword, origin)).rejects.toThrow('Invalid password or code');
    expect(log).toEqual(['lockout.reserveAttempt', 'password.verify', 'events.record']);
  });

  it('a wrong factor proof keeps the attempt counted', async () => {
    const { service, log } = await verifier({ factorOk: false });
    await expect(service.verify(user, withPassword, origin)).rejects.toThrow(UnauthorizedException);
    expect(log).toEqual(['lockout.reserveAttempt', 'password.verify', 'factor.verify']);
  });

  it('without a password (recovery-code replacement) only the factor is checked', async () => {
    const { service, log } = await verifier();
    await service.verify(user, { proof: { kind: 'totp', code: '123456' } }, origin);
    expect(log).toEqual(['lockout.reserveAttempt', 'factor.verify', 'lockout.refundAttempt']);
  });

  it('a passkey proof goes to the factor with the challenge it must answer (step-up: user and session)', async () => {
    const { service, seen } = await verifier();
    const challenge = { challengeBinding: 'u1:s1', challengePurpose: 'step-up' as const };
    const verified = await service.verify(user, { proof: { kind: 'totp', code: '123456' }, challenge }, origin);
    expect(seen.context).toMatchObject(challenge);
    expect(verified).toEqual({ kind: 'totp' });
  });

  describe('without a factor proof: a fresh token stands in, for every user', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['a passkey-only user', { ...user, totpEnabled: false } as User],
      ['a user with an authenticator app', { ...user, totpEnabled: true } as User],
    ])('%s with a login or step-up of the last 5 minutes: password checked, no factor asked', async (_name, who) => {
      const { service, log } = await verifier();
      await service.verify(who, { password: withPassword.password, authTime: now() - 290 }, origin);
      expect(log).toEqual(['lockout.reserveAttempt', 'password.verify', 'lockout.refundAttempt']);
    });

    it('an older token gets the RFC 9470 challenge, before anything is counted', async () => {
      const { service, log } = await verifier();
      const totpUser = { ...user, totpEnabled: true } as User;
      await expect(service.verify(totpUser, { authTime: now() - 310 }, origin)).rejects.toMatchObject({
        status: 401,
        wwwAuthenticate:
          'Bearer error="insufficient_user_authentication", ' +
          'error_description="A more recent authentication is required", max_age=300',
      });
      await expect(service.verify(totpUser, {}, origin)).rejects.toMatchObject({ status: 401 });
      expect(log).toEqual([]);
    });
  });
});
