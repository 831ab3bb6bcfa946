import { selectKeyExchangeGroups } from '../../tls/key-exchange-groups';
import { tlsKeyExchangeFinding } from './tls-key-exchange.check';

describe('tlsKeyExchangeFinding (doctor)', () => {
  it('is informational where the runtime offers the post-quantum hybrid, listing the groups in order', () => {
    expect(tlsKeyExchangeFinding(selectKeyExchangeGroups(() => true))).toEqual({
      severity: 'info',
      finding: expect.stringContaining('offers X25519MLKEM768, X25519, P-256, P-384, the post-quantum hybrid first'),
      fix: expect.any(String),
    });
  });

  it('is a low finding naming the runtime where it cannot, with Node 24 as the fix', () => {
    const finding = tlsKeyExchangeFinding(selectKeyExchangeGroups(() => false));

    expect(finding).toEqual({
      severity: 'low',
      finding: expect.stringContaining(
        'cannot offer the post-quantum hybrid X25519MLKEM768; only X25519, P-256, P-384',
      ),
      fix: expect.stringContaining('Node 24'),
    });
    expect(finding.finding).toContain(`Node ${process.version} (OpenSSL ${process.versions.openssl})`);
  });

  it('describes this runtime by default', () => {
    const runtimeHasHybrid = tlsKeyExchangeFinding().severity === 'info';

    expect(runtimeHasHybrid).toBe(selectKeyExchangeGroups().postQuantum);
  });
});
