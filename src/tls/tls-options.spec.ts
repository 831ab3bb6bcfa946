import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { generateDevCertificates } from './dev-certificates';
import { runtimeKeyExchangeGroups } from './key-exchange-groups';
import { buildTlsOptions } from './tls-options';

describe('buildTlsOptions', () => {
  let certsDir: string;
  let ca: Buffer;
  let cert: Buffer;
  let key: Buffer;
  const servers: https.Server[] = [];

  beforeAll(async () => {
    certsDir = await mkdtemp(path.join(os.tmpdir(), 'tls-options-'));
    const paths = await generateDevCertificates(certsDir, () => undefined);
    [ca, cert, key] = await Promise.all([
      readFile(paths.caCert),
      readFile(paths.serverCert),
      readFile(paths.serverKey),
    ]);
  });

  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((server) => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
  });

  afterAll(async () => {
    await rm(certsDir, { recursive: true, force: true });
  });

  async function listen(options: https.ServerOptions): Promise<https.Server> {
    const server = https.createServer(options);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return server;
  }

  function connect(server: https.Server, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', servername: 'localhost', port, ca, ...options });
      socket.once('secureConnect', () => {
        socket.end();
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  // Asserting the server's own error proves the server refused, not that the client gave up locally.
  async function expectServerToRefuse(
    options: tls.ConnectionOptions,
    serverErrorCode: string,
    groups: readonly string[] = runtimeKeyExchangeGroups().groups,
  ): Promise<void> {
    const server = await listen(buildTlsOptions(cert, key, groups));
    const serverError = once(server, 'tlsClientError');
    await expect(connect(server, options)).rejects.toThrow();
    const [error] = (await serverError) as [NodeJS.ErrnoException];
    expect(error.code).toBe(serverErrorCode);
  }

  it('completes a verified TLS 1.3 handshake for a client that trusts the dev CA', async () => {
    const server = await listen(buildTlsOptions(cert, key, runtimeKeyExchangeGroups().groups));

    const socket = await connect(server, { rejectUnauthorized: true });

    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toBe('TLSv1.3');
  });

  it('negotiates an ECDHE AEAD suite with a TLS 1.2-only client', async () => {
    const server = await listen(buildTlsOptions(cert, key, runtimeKeyExchangeGroups().groups));

    const socket = await connect(server, { maxVersion: 'TLSv1.2' });

    expect(socket.getProtocol()).toBe('TLSv1.2');
    expect(socket.getCipher().name).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
  });

  it.each(['AES128-SHA', 'ECDHE-ECDSA-AES128-SHA'])('refuses the CBC suite %s', async (cipher) => {
    await expectServerToRefuse({ maxVersion: 'TLSv1.2', ciphers: cipher }, 'ERR_SSL_NO_SHARED_CIPHER');
  });

  // AES128-SHA needs an RSA certificate, so it fails on an ECDSA one even with Node's defaults;
  // this control shows the ECDSA CBC suite really is accepted unless buildTlsOptions removes it.
  it('control: a server with Node defaults accepts ECDHE-ECDSA-AES128-SHA', async () => {
    const server = await listen({ cert, key });

    const socket = await connect(server, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' });

    expect(socket.getCipher().name).toBe('ECDHE-ECDSA-AES128-SHA');
  });

  it('refuses TLS 1.1', async () => {
    // OpenSSL 3 clients refuse TLS < 1.2 themselves unless the security level is lowered.
    await expectServerToRefuse(
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
      'ERR_SSL_UNSUPPORTED_PROTOCOL',
    );
  });

  it('offers exactly the key exchange groups it is given: a P-384-only client is refused by an X25519, P-256 server', async () => {
    const server = await listen(buildTlsOptions(cert, key, ['X25519', 'P-256']));
    const serverError = once(server, 'tlsClientError');

    await expect(connect(server, { ecdhCurve: 'P-384' })).rejects.toThrow();

    const [error] = (await serverError) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ERR_SSL_NO_SUITABLE_KEY_SHARE');
  });

  // Where the runtime has the hybrid, a client preferring it gets it only because buildTlsOptions offers it.
  (runtimeKeyExchangeGroups().postQuantum ? it : it.skip)(
    'control: offered the classic groups alone, a client preferring X25519MLKEM768 falls back to X25519',
    async () => {
      const server = await listen(buildTlsOptions(cert, key, ['X25519', 'P-256', 'P-384']));

      const socket = await connect(server, { ecdhCurve: 'X25519MLKEM768:X25519' });

      expect(socket.getEphemeralKeyInfo()).toMatchObject({ name: 'X25519' });
    },
  );

  (runtimeKeyExchangeGroups().postQuantum ? it : it.skip)(
    'control: offered the classic groups alone, a client offering X25519MLKEM768 alone is refused',
    async () => {
      await expectServerToRefuse({ ecdhCurve: 'X25519MLKEM768' }, 'ERR_SSL_NO_SUITABLE_KEY_SHARE', [
        'X25519',
        'P-256',
        'P-384',
      ]);
    },
  );
});
