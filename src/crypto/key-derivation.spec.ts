import { deriveKey } from './key-derivation';

describe('deriveKey', () => {
  const appSecret = Buffer.from('an application secret of sufficient length!!', 'utf8');

  it('is deterministic', () => {
    expect(deriveKey(appSecret, 'preauth-jwt')).toEqual(deriveKey(appSecret, 'preauth-jwt'));
  });

  it('gives independent keys per label', () => {
    const keys = ['preauth-jwt', 'totp-secret-encryption', 'recovery-code-hmac'].map((label) =>
      deriveKey(appSecret, label).toString('hex'),
    );
    expect(new Set(keys).size).toBe(3);
  });

  it('depends on the application secret', () => {
    expect(deriveKey(appSecret, 'preauth-jwt')).not.toEqual(deriveKey(Buffer.from('another secret'), 'preauth-jwt'));
  });

  it('returns the requested length, 32 bytes by default', () => {
    expect(deriveKey(appSecret, 'preauth-jwt')).toHaveLength(32);
    expect(deriveKey(appSecret, 'preauth-jwt', 64)).toHaveLength(64);
  });
});
