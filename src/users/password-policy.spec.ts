import { PasswordPolicy } from './password-policy';

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy();

  it('rejects passwords shorter than 12 characters', () => {
    expect(policy.check('Zq8#vL2!pR4', [])).toMatch(/at least 12 characters/);
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    // 11 emoji are 22 UTF-16 units but only 11 characters.
    expect(policy.check('🔐🦊🌋🎻🧲🪐🥨🛶🧊🎲🪁', [])).toMatch(/at least 12 characters/);
  });

  it('rejects passwords longer than 256 characters', () => {
    expect(policy.check('x'.repeat(257), [])).toMatch(/at most 256 characters/);
  });

  it('accepts a strong password of exactly 256 characters', () => {
    const password = 'otter-quasar-lantern-fjord-'.repeat(10).slice(0, 256);
    expect([...password]).toHaveLength(256);
    expect(policy.check(password, [])).toBeNull();
  });

  it('rejects a common password with a helpful message', () => {
    const message = policy.check('password1234', []);
    expect(message).toMatch(/^Password is too easy to guess: \S/);
    expect(message).not.toMatch(/similarToCommon|anotherWord/);
  });

  it('rejects a password built from the username', () => {
    const message = policy.check('MargaretHamilton1', ['margarethamilton']);
    expect(message).toMatch(/too easy to guess: .*username/);
  });

  it('accepts a strong passphrase without any composition rules', () => {
    expect(policy.check('violet tractor sings under marmalade', ['alice'])).toBeNull();
  });
});
