import {
  CLASSIC_GROUPS,
  describeKeyExchangeGroups,
  POST_QUANTUM_GROUP,
  runtimeKeyExchangeGroups,
  runtimeSupportsGroup,
  selectKeyExchangeGroups,
} from './key-exchange-groups';

/** Independent of the detection under test: OpenSSL has ML-KEM hybrids from 3.5 on. */
function opensslHasMlKem(): boolean {
  const [major, minor] = process.versions.openssl.split('.').map((part) => parseInt(part, 10));
  return major > 3 || (major === 3 && minor >= 5);
}

describe('key exchange groups', () => {
  describe('selectKeyExchangeGroups', () => {
    it('offers the post-quantum hybrid first, then X25519, P-256, P-384, where the runtime supports it', () => {
      expect(selectKeyExchangeGroups(() => true)).toEqual({
        groups: ['X25519MLKEM768', 'X25519', 'P-256', 'P-384'],
        postQuantum: true,
      });
    });

    it('offers the classic groups alone, in the same order, on a runtime without ML-KEM', () => {
      const supports = (group: string) => group !== POST_QUANTUM_GROUP;

      expect(selectKeyExchangeGroups(supports)).toEqual({ groups: ['X25519', 'P-256', 'P-384'], postQuantum: false });
    });

    it('asks only about the post-quantum group: the classic ones are in every supported OpenSSL', () => {
      const supports = jest.fn(() => false);

      selectKeyExchangeGroups(supports);

      expect(supports.mock.calls).toEqual([[POST_QUANTUM_GROUP]]);
    });
  });

  describe('on this runtime', () => {
    it(`detects ${POST_QUANTUM_GROUP} exactly when OpenSSL is 3.5 or later (OpenSSL ${process.versions.openssl})`, () => {
      expect(runtimeSupportsGroup(POST_QUANTUM_GROUP)).toBe(opensslHasMlKem());
      expect(runtimeKeyExchangeGroups().postQuantum).toBe(opensslHasMlKem());
    });

    it('supports every classic group, and refuses a name OpenSSL does not know', () => {
      for (const group of CLASSIC_GROUPS) expect(runtimeSupportsGroup(group)).toBe(true);
      expect(runtimeSupportsGroup('X25519Kyber999')).toBe(false);
    });

    it('detects once per process', () => {
      expect(runtimeKeyExchangeGroups()).toBe(runtimeKeyExchangeGroups());
    });
  });

  describe('describeKeyExchangeGroups (the startup log line)', () => {
    it('lists the groups in order, the hybrid first', () => {
      expect(describeKeyExchangeGroups(selectKeyExchangeGroups(() => true))).toBe(
        'TLS key exchange groups offered: X25519MLKEM768, X25519, P-256, P-384 (post-quantum hybrid first)',
      );
    });

    it('says why the hybrid is missing, naming the runtime and its OpenSSL', () => {
      const line = describeKeyExchangeGroups(selectKeyExchangeGroups(() => false));

      expect(line).toMatch(/^TLS key exchange groups offered: X25519, P-256, P-384; no post-quantum hybrid: /);
      expect(line).toContain(`Node ${process.version} with OpenSSL ${process.versions.openssl}`);
    });
  });
});
