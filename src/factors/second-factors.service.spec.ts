import { UnauthorizedException } from '@nestjs/common';
import { recorder, serviceUnderTest } from '../testing/service-module';
import type { User } from '../users/user.entity';
import { RecoveryCodeFactor } from './recovery-code.factor';
import { SecondFactors } from './second-factors.service';
import { TotpFactor } from './totp.factor';
import { WebAuthnFactor } from './webauthn.factor';

const context = { credentialVersion: 0, origin: null };

describe('SecondFactors (the factor core)', () => {
  async function core() {
    const log: string[] = [];
    const service = await serviceUnderTest(SecondFactors, [
      [
        TotpFactor,
        {
          ...recorder<TotpFactor>('totp', log, {
            verify: async () => ({ kind: 'totp' }),
            remove: async () => undefined,
          }),
          kind: 'totp',
          isEnrolled: async (user: User) => user.totpEnabled,
        },
      ],
      [
        RecoveryCodeFactor,
        {
          ...recorder<RecoveryCodeFactor>('recovery', log, {
            verify: async () => ({ kind: 'recovery-code', recoveryCodesRemaining: 9 }),
            remove: async () => undefined,
          }),
          kind: 'recovery-code',
          isEnrolled: async (user: User) => user.totpEnabled || user.id === 'u3',
        },
      ],
      [
        WebAuthnFactor,
        {
          ...recorder<WebAuthnFactor>('webauthn', log, {
            verify: async () => ({ kind: 'webauthn' }),
            remove: async () => undefined,
          }),
          kind: 'webauthn',
          isEnrolled: async (user: User) => user.id === 'u3',
        },
      ],
    ]);
    return { service, log };
  }
  const enrolled = { id: 'u1', totpEnabled: true } as User;
  const bare = { id: 'u2', totpEnabled: false } as User;
  const passkeyOnly = { id: 'u3', totpEnabled: false } as User;

  it('lists the factors a login can ask for; recovery codes are a fallback, not a factor', async () => {
    const { service } = await core();
    expect(await service.enrolled(enrolled)).toEqual(['totp']);
    expect(await service.enrolled(passkeyOnly)).toEqual(['webauthn']);
    expect(await service.enrolled(bare)).toEqual([]);
    expect(await service.hasAny(bare)).toBe(false);
  });

  it("takes a passkey-only user's recovery code, and refuses their TOTP code unasked", async () => {
    const { service, log } = await core();
    await service.verify(passkeyOnly, { kind: 'recovery-code', recoveryCode: 'abcde-23456' }, context);
    await expect(service.verify(passkeyOnly, { kind: 'totp', code: '123456' }, context)).rejects.toThrow(
      UnauthorizedException,
    );
    expect(log).toEqual(['recovery.verify']);
  });

  it('hands each proof to the factor of its kind', async () => {
    const { service, log } = await core();
    expect(await service.verify(enrolled, { kind: 'totp', code: '123456' }, context)).toEqual({ kind: 'totp' });
    expect(await service.verify(enrolled, { kind: 'recovery-code', recoveryCode: 'abcde-23456' }, context)).toEqual({
      kind: 'recovery-code',
      recoveryCodesRemaining: 9,
    });
    expect(log).toEqual(['totp.verify', 'recovery.verify']);
  });

  it('refuses a proof of a factor the user does not have, without asking that factor', async () => {
    const { service, log } = await core();
    await expect(service.verify(bare, { kind: 'totp', code: '123456' }, context)).rejects.toThrow(
      UnauthorizedException,
    );
    expect(log).toEqual([]);
  });

  it('removes every factor, recovery codes included', async () => {
    const { service, log } = await core();
    await service.removeAll('u1');
    expect(log).toEqual(['totp.remove', 'recovery.remove', 'webauthn.remove']);
  });
});
