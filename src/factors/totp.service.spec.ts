import { TotpService } from './totp.service';

// RFC 6238 Appendix B uses the ASCII seed "12345678901234567890" for SHA-1.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

// The RFC lists 8-digit values; a 6-digit TOTP is the same truncated value
// mod 10^6, so the last six digits are valid vectors for this service.
const RFC_SHA1_VECTORS: Array<[seconds: number, code: string]> = [
  [59, '287082'], // 94287082
  [1111111109, '081804'], // 07081804
  [1111111111, '050471'], // 14050471
  [1234567890, '005924'], // 89005924
  [2000000000, '279037'], // 69279037
  [20000000000, '353130'], // 65353130
];

// A fixed secret and clock keep every test deterministic.
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const NOW_MS = 1_700_000_000_000;
const STEP_MS = 30_000;
const currentStep = Math.floor(NOW_MS / STEP_MS);

function service(window = 1, nowMs = NOW_MS): TotpService {
  return new TotpService({ window, issuer: 'Nest 2FA', now: () => nowMs });
}

function decodeBase32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...text].map((ch) => alphabet.indexOf(ch).toString(2).padStart(5, '0')).join('');
  return Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
}

describe('TotpService', () => {
  describe('RFC 6238 Appendix B (SHA-1)', () => {
    it.each(RFC_SHA1_VECTORS)('generates the vector at T=%d', async (seconds, code) => {
      await expect(service().generate(RFC_SECRET, seconds * 1000)).resolves.toBe(code);
    });

    it.each(RFC_SHA1_VECTORS)('verifies the vector at T=%d', async (seconds, code) => {
      const result = await service(0, seconds * 1000).verify(RFC_SECRET, code, null);
      expect(result).toEqual({ valid: true, timeStep: Math.floor(seconds / 30) });
    });
  });

  describe('clock drift window', () => {
    const totp = service(1);
    const codeAt = (stepOffset: number) => totp.generate(SECRET, NOW_MS + stepOffset * STEP_MS);

    it.each([-1, 0, 1])('accepts a code %d step(s) away with window 1', async (offset) => {
      const result = await totp.verify(SECRET, await codeAt(offset), null);
      expect(result).toEqual({ valid: true, timeStep: currentStep + offset });
    });

    it.each([-2, 2])('rejects a code %d steps away with window 1', async (offset) => {
      const code = await codeAt(offset);
      // The vector is only meaningful if this code does not also occur in the window.
      const inWindow = await Promise.all([-1, 0, 1].map(codeAt));
      expect(inWindow).not.toContain(code);
      await expect(totp.verify(SECRET, code, null)).resolves.toEqual({ valid: false, replay: false });
    });

    it('rejects a wrong code without flagging a replay', async () => {
      const inWindow = await Promise.all([-1, 0, 1].map(codeAt));
      const wrong = String((Number(inWindow[1]) + 1) % 1_000_000).padStart(6, '0');
      expect(inWindow).not.toContain(wrong);
      await expect(totp.verify(SECRET, wrong, currentStep - 5)).resolves.toEqual({
        valid: false,
        replay: false,
      });
    });
  });

  describe('replay protection', () => {
    const totp = service(1);

    it('rejects the code of an already accepted step', async () => {
      const code = await totp.generate(SECRET);
      const first = await totp.verify(SECRET, code, null);
      expect(first).toEqual({ valid: true, timeStep: currentStep });
      await expect(totp.verify(SECRET, code, currentStep)).resolves.toEqual({ valid: false, replay: true });
    });

    it('rejects a code from a step older than the last accepted one', async () => {
      const older = await totp.generate(SECRET, NOW_MS - STEP_MS);
      await expect(totp.verify(SECRET, older, currentStep)).resolves.toEqual({ valid: false, replay: true });
    });

    it('accepts a newer step after an older one was used', async () => {
      const newer = await totp.generate(SECRET, NOW_MS + STEP_MS);
      await expect(totp.verify(SECRET, newer, currentStep)).resolves.toEqual({
        valid: true,
        timeStep: currentStep + 1,
      });
    });

    it('rejects everything when the last accepted step is in the future', async () => {
      const code = await totp.generate(SECRET);
      await expect(totp.verify(SECRET, code, currentStep + 100)).resolves.toEqual({
        valid: false,
        replay: true,
      });
    });
  });

  describe('malformed codes', () => {
    const totp = service(1);
    const malformed: unknown[] = ['12345', '1234567', '12a456', '', ' 123456', '１２３４５６', 'null', null, 123456];

    it.each(malformed)('isWellFormedCode(%p) is false', (code) => {
      expect(totp.isWellFormedCode(code)).toBe(false);
    });

    it.each(malformed)('verify(%p) returns invalid without throwing', async (code) => {
      await expect(totp.verify(SECRET, code as string, null)).resolves.toEqual({ valid: false, replay: false });
    });

    it('accepts exactly six ASCII digits as well formed', () => {
      expect(totp.isWellFormedCode('012345')).toBe(true);
    });

    it('returns invalid rather than throwing for an unusable secret', async () => {
      await expect(totp.verify('TOO-SHORT', '123456', null)).resolves.toEqual({ valid: false, replay: false });
    });
  });

  describe('keyUri', () => {
    it('has the exact otpauth format with encoded issuer and username', () => {
      const totp = new TotpService({ window: 1, issuer: 'Acme & Co' });
      expect(totp.keyUri('alice@example.com', RFC_SECRET)).toBe(
        `otpauth://totp/Acme%20%26%20Co:alice%40example.com?secret=${RFC_SECRET}` +
          '&issuer=Acme%20%26%20Co&algorithm=SHA1&digits=6&period=30',
      );
    });
  });

  describe('generateSecret', () => {
    it('is base32 of 20 bytes and differs per call', () => {
      const totp = service();
      const first = totp.generateSecret();
      const second = totp.generateSecret();
      expect(first).toMatch(/^[A-Z2-7]{32}$/);
      expect(decodeBase32(first)).toHaveLength(20);
      expect(second).not.toBe(first);
    });
  });

  it('refuses an unreasonable window', () => {
    expect(() => new TotpService({ window: 1.5, issuer: 'x' })).toThrow();
    expect(() => new TotpService({ window: 11, issuer: 'x' })).toThrow();
  });
});
