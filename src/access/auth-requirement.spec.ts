import { ACR_MFA, ACR_PHISHING_RESISTANT, acrOfAmr, acrValuesAtLeast } from './acr';
import { AuthRequirement } from './auth-requirement';

const NOW = 1_800_000_000;
const token = (ageSeconds: number, acr: string) => ({ authTime: NOW - ageSeconds, acr });
const challenge = (description: string, params: string) =>
  `Bearer error="insufficient_user_authentication", error_description="${description}"${params}`;

describe('acr levels', () => {
  it('phr satisfies mfa, mfa does not satisfy phr, an unknown or missing acr satisfies nothing', () => {
    expect([...acrValuesAtLeast('mfa')].sort()).toEqual([ACR_MFA, ACR_PHISHING_RESISTANT].sort());
    expect([...acrValuesAtLeast('phr')]).toEqual([ACR_PHISHING_RESISTANT]);
    for (const level of ['mfa', 'phr'] as const) {
      expect(acrValuesAtLeast(level).has('')).toBe(false);
      expect(acrValuesAtLeast(level).has('urn:nest-2fa-api:acr:PHR')).toBe(false);
    }
  });

  it('a passkey (hwk) makes an authentication phishing-resistant; codes do not', () => {
    expect(acrOfAmr(['pwd', 'hwk'])).toBe(ACR_PHISHING_RESISTANT);
    expect(acrOfAmr(['hwk', 'mfa'])).toBe(ACR_PHISHING_RESISTANT);
    expect(acrOfAmr(['hwk'])).toBe(ACR_PHISHING_RESISTANT);
    expect(acrOfAmr(['pwd', 'otp'])).toBe(ACR_MFA);
    expect(acrOfAmr(['otp'])).toBe(ACR_MFA);
  });
});

describe('AuthRequirement (@RequireAuth)', () => {
  it('maxAge: accepts up to maxAge seconds, refuses older with max_age in the challenge', () => {
    const requirement = new AuthRequirement({ maxAge: 300 });
    expect(requirement.refusal(token(300, ACR_MFA), NOW)).toBeNull();
    const refusal = requirement.refusal(token(301, ACR_PHISHING_RESISTANT), NOW);
    expect(refusal?.getStatus()).toBe(401);
    expect(refusal?.message).toBe('A more recent authentication is required');
    expect(refusal?.wwwAuthenticate).toBe(challenge('A more recent authentication is required', ', max_age=300'));
  });

  it('acr phr: refuses an mfa or unknown acr with acr_values, whatever the age', () => {
    const requirement = new AuthRequirement({ acr: 'phr' });
    expect(requirement.refusal(token(1_000_000, ACR_PHISHING_RESISTANT), NOW)).toBeNull();
    for (const acr of [ACR_MFA, '', 'urn:other:acr:phr']) {
      expect(requirement.refusal(token(0, acr), NOW)?.wwwAuthenticate).toBe(
        challenge('A stronger authentication is required', ', acr_values="urn:nest-2fa-api:acr:phr"'),
      );
    }
  });

  it('acr mfa: any token of this API (mfa or phr) passes; one without acr does not', () => {
    const requirement = new AuthRequirement({ acr: 'mfa' });
    expect(requirement.refusal(token(0, ACR_MFA), NOW)).toBeNull();
    expect(requirement.refusal(token(0, ACR_PHISHING_RESISTANT), NOW)).toBeNull();
    expect(requirement.refusal(token(0, ''), NOW)?.wwwAuthenticate).toBe(
      challenge('A stronger authentication is required', ', acr_values="urn:nest-2fa-api:acr:mfa"'),
    );
  });

  it('both: the challenge always names both; the description says which part failed', () => {
    const requirement = new AuthRequirement({ maxAge: 60, acr: 'phr' });
    const params = ', acr_values="urn:nest-2fa-api:acr:phr", max_age=60';
    expect(requirement.refusal(token(60, ACR_PHISHING_RESISTANT), NOW)).toBeNull();
    expect(requirement.refusal(token(61, ACR_PHISHING_RESISTANT), NOW)?.wwwAuthenticate).toBe(
      challenge('A more recent authentication is required', params),
    );
    expect(requirement.refusal(token(0, ACR_MFA), NOW)?.wwwAuthenticate).toBe(
      challenge('A stronger authentication is required', params),
    );
    const both = requirement.refusal(token(61, ACR_MFA), NOW);
    expect(both?.message).toBe('A more recent and stronger authentication is required');
    expect(both?.wwwAuthenticate).toBe(challenge('A more recent and stronger authentication is required', params));
  });

  it('refuses to compile a requirement that checks nothing or is malformed (fails at startup)', () => {
    expect(() => new AuthRequirement({} as never)).toThrow(/maxAge, acr or both/);
    expect(() => new AuthRequirement({ maxAge: -1 })).toThrow(/whole number/);
    expect(() => new AuthRequirement({ maxAge: 1.5 })).toThrow(/whole number/);
    expect(() => new AuthRequirement({ acr: 'gold' as never })).toThrow(/mfa or phr/);
    expect(() => new AuthRequirement({ acr: 'toString' as never })).toThrow(/mfa or phr/);
  });
});
