import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('produces an argon2id hash with the configured parameters', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    await expect(hasher.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'correct horse battery stapler')).resolves.toBe(false);
  });

  it('does not truncate long passwords (bcrypt would stop at 72 bytes)', async () => {
    const password = 'a1b2c3d4e5'.repeat(8);
    expect(password).toHaveLength(80);
    const hash = await hasher.hash(password);
    await expect(hasher.verify(hash, password.slice(0, 72))).resolves.toBe(false);
    await expect(hasher.verify(hash, password)).resolves.toBe(true);
  });

  it.each(['', 'not a hash', '$argon2id$v=19$m=19456,t=2,p=1$garbage', '$2b$12$abcdefghijklmnopqrstuv'])(
    'returns false instead of throwing for malformed hash %p',
    async (malformed) => {
      await expect(hasher.verify(malformed, 'whatever password')).resolves.toBe(false);
    },
  );

  it('verifyAgainstDummy always resolves false', async () => {
    await expect(hasher.verifyAgainstDummy('any password at all')).resolves.toBe(false);
    await expect(hasher.verifyAgainstDummy('')).resolves.toBe(false);
  });
});
