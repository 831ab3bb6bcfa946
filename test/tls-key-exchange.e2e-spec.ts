import { request as httpsRequest } from 'node:https';
import { createSecureContext, type SecureVersion, type TLSSocket } from 'node:tls';
import { CapturedLog } from './support/captured-log';
import { useTestApp } from './support/test-app';

/** Independent of the app's own detection: OpenSSL has the ML-KEM hybrids from 3.5 on (Node 24, recent Node 22). */
const [OPENSSL_MAJOR, OPENSSL_MINOR] = process.versions.openssl.split('.').map((part) => parseInt(part, 10));
const RUNTIME_HAS_ML_KEM = OPENSSL_MAJOR > 3 || (OPENSSL_MAJOR === 3 && OPENSSL_MINOR >= 5);
const RUNTIME = `Node ${process.version}, OpenSSL ${process.versions.openssl}`;
/**
 * What the client's getEphemeralKeyInfo() names a hybrid handshake: Node 24 says
 * X25519MLKEM768; Node 22 returns {} for any non-ECDH group, still unlike a
 * classic handshake, which it names (X25519, prime256v1, secp384r1).
 */
const HYBRID_AS_REPORTED = parseInt(process.versions.node, 10) >= 24 ? 'X25519MLKEM768' : undefined;

interface Handshake {
  status: number;
  /** What the client saw: getEphemeralKeyInfo().name (prime256v1 = P-256, secp384r1 = P-384). */
  group: string | undefined;
  protocol: string | null;
  authorized: boolean;
}

describe(`TLS key exchange: the post-quantum hybrid where the runtime has it (${RUNTIME})`, () => {
  const log = new CapturedLog();
  const app = useTestApp({ LOG_LEVEL: 'info' }, { logDestination: log.stream });

  const offeredLines = () =>
    log.lines.filter((line) => String(line.msg).startsWith('TLS key exchange groups offered:'));

  /** GET /health over a fresh connection whose client offers only `ecdhCurve`, verifying the server against the dev CA. */
  function getHealth(ecdhCurve: string, maxVersion?: SecureVersion): Promise<Handshake> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: app.t.port,
          path: '/health',
          ca: app.t.ca,
          ecdhCurve,
          maxVersion,
          agent: false,
        },
        (res) => {
          const socket = res.socket as TLSSocket;
          const handshake = {
            status: res.statusCode ?? 0,
            group: (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name,
            protocol: socket.getProtocol(),
            authorized: socket.authorized,
          };
          res.resume();
          res.on('end', () => resolve(handshake));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('logs the groups it offers once, at startup, in the Bootstrap context', () => {
    expect(offeredLines()).toEqual([expect.objectContaining({ context: 'Bootstrap', level: 'info' })]);
  });

  it('CI on Node 24 or later really tests the hybrid (a runtime without it would only test the fallback below)', () => {
    const mustTestHybrid = process.env.CI === 'true' && parseInt(process.versions.node, 10) >= 24;
    expect({ mustTestHybrid, runtimeHasHybrid: RUNTIME_HAS_ML_KEM }).not.toEqual({
      mustTestHybrid: true,
      runtimeHasHybrid: false,
    });
  });

  if (RUNTIME_HAS_ML_KEM) {
    describe('on a runtime with ML-KEM', () => {
      it('offers X25519MLKEM768 first, then X25519, P-256, P-384', () => {
        expect(offeredLines()[0].msg).toBe(
          'TLS key exchange groups offered: X25519MLKEM768, X25519, P-256, P-384 (post-quantum hybrid first)',
        );
      });

      it('negotiates X25519MLKEM768 with a client that prefers it, and serves the API over it', async () => {
        expect(await getHealth('X25519MLKEM768:X25519')).toEqual({
          status: 200,
          group: HYBRID_AS_REPORTED,
          protocol: 'TLSv1.3',
          authorized: true,
        });
      });

      it('serves a client that offers X25519MLKEM768 alone: the handshake can only have used the hybrid', async () => {
        expect(await getHealth('X25519MLKEM768')).toEqual({
          status: 200,
          group: HYBRID_AS_REPORTED,
          protocol: 'TLSv1.3',
          authorized: true,
        });
      });

      it.each([
        ['X25519', 'X25519'],
        ['P-256', 'prime256v1'],
        ['P-384', 'secp384r1'],
      ])('still serves a classic-only client (%s)', async (curve, group) => {
        expect(await getHealth(curve)).toEqual({ status: 200, group, protocol: 'TLSv1.3', authorized: true });
      });

      it('still serves a TLS 1.2 client (the hybrid is TLS 1.3 only): X25519', async () => {
        expect(await getHealth('X25519MLKEM768:X25519:P-256', 'TLSv1.2')).toEqual({
          status: 200,
          group: 'X25519',
          protocol: 'TLSv1.2',
          authorized: true,
        });
      });
    });
  } else {
    describe('on a runtime without ML-KEM: starts as before, classic groups only', () => {
      it('offers X25519, P-256, P-384 and says why the hybrid is missing', () => {
        const [line] = offeredLines();
        expect(line.msg).toMatch(/^TLS key exchange groups offered: X25519, P-256, P-384; no post-quantum hybrid: /);
        expect(line.msg).not.toMatch(/offered:[^;]*MLKEM/);
        expect(line.msg).toContain(`Node ${process.version} with OpenSSL ${process.versions.openssl}`);
      });

      it.each([
        ['X25519', 'X25519'],
        ['P-256', 'prime256v1'],
        ['P-384', 'secp384r1'],
      ])('serves a classic client (%s)', async (curve, group) => {
        expect(await getHealth(curve)).toEqual({ status: 200, group, protocol: 'TLSv1.3', authorized: true });
      });

      it("control: this runtime's OpenSSL really lacks the hybrid (a server offering it would not start)", () => {
        expect(() => createSecureContext({ ecdhCurve: 'X25519MLKEM768' })).toThrow(/ECDH curve/);
      });
    });
  }
});
