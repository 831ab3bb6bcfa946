import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  const user = { id: 'u', jti: 'j', sid: 's', authTime: 0, amr: ['pwd', 'otp'], acr: 'urn:nest-2fa-api:acr:mfa' };

  it('returns a verified token until its exp, then forgets it', () => {
    const cache = new VerifiedTokenCache();
    cache.set('token', user, 100);
    expect(cache.get('token', 99_999)).toEqual(user);
    expect(cache.get('token', 100_000)).toBeUndefined();
    expect(cache.get('token', 50_000)).toBeUndefined();
  });

  it('matches exact bytes only', () => {
    const cache = new VerifiedTokenCache();
    cache.set('token', user, 100);
    expect(cache.get('token ', 1)).toBeUndefined();
    expect(cache.get('tokeN', 1)).toBeUndefined();
  });

  it('stays bounded, evicting the oldest entries', () => {
    const cache = new VerifiedTokenCache();
    for (let i = 0; i < 10_001; i += 1) cache.set(`t${i}`, user, 100);
    expect(cache.get('t0', 1)).toBeUndefined();
    expect(cache.get('t1', 1)).toEqual(user);
    expect(cache.get('t10000', 1)).toEqual(user);
  });
});
