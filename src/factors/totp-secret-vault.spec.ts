import { randomBytes } from 'node:crypto';
import { TotpSecretVault } from './totp-secret-vault';

describe('TotpSecretVault', () => {
  const oldSecret = randomBytes(32);
  const newSecret = randomBytes(32);

  it('seals per user: a sealed secret does not open for another user', () => {
    const vault = new TotpSecretVault(newSecret);
    const sealed = vault.seal('JBSWY3DPEHPK3PXP', 'user-a');
    expect(vault.open(sealed, 'user-a')).toEqual({ secret: 'JBSWY3DPEHPK3PXP' });
    expect(() => vault.open(sealed, 'user-b')).toThrow();
  });

  it('opens values of the previous APP_SECRET and re-seals them under the current one', () => {
    const sealedOld = new TotpSecretVault(oldSecret).seal('JBSWY3DPEHPK3PXP', 'user-a');
    const rotated = new TotpSecretVault(newSecret, oldSecret);
    const opened = rotated.open(sealedOld, 'user-a');
    expect(opened.secret).toBe('JBSWY3DPEHPK3PXP');
    expect(opened.resealed).toBeDefined();
    expect(new TotpSecretVault(newSecret).open(opened.resealed as string, 'user-a')).toEqual({
      secret: 'JBSWY3DPEHPK3PXP',
    });
  });

  it('without the previous secret, old values do not open', () => {
    const sealedOld = new TotpSecretVault(oldSecret).seal('JBSWY3DPEHPK3PXP', 'user-a');
    expect(() => new TotpSecretVault(newSecret).open(sealedOld, 'user-a')).toThrow();
  });
});
