import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { privateKeyModeProblem, readPrivateKeyFile } from './private-key-file';

const ME = 1000;
const ROOT = 0;

describe('privateKeyModeProblem (OpenSSH sshkey_perm_ok, plus: never world-accessible)', () => {
  it.each(['600', '400', '700', '200'])('accepts our own key with mode %s', (octal) => {
    const mode = parseInt(octal, 8);
    expect(privateKeyModeProblem({ mode: 0o100000 | mode, uid: ME }, ME)).toBeNull();
  });

  it.each(['640', '604', '644', '660', '610', '601', '666'])(
    'refuses our own key with mode %s, naming the mode',
    (octal) => {
      const mode = parseInt(octal, 8);
      expect(privateKeyModeProblem({ mode: 0o100000 | mode, uid: ME }, ME)).toBe(
        `is accessible by group or others (mode 0${octal})`,
      );
    },
  );

  // Kubernetes with fsGroup: root owns the file and the kubelet adds group read (0440).
  it.each(['400', '440', '640'])('accepts a key another user owns, shared with our group only (mode %s)', (octal) => {
    const mode = parseInt(octal, 8);
    expect(privateKeyModeProblem({ mode: 0o100000 | mode, uid: ROOT }, ME)).toBeNull();
  });

  it.each(['644', '444', '604', '602'])(
    'refuses a key another user owns that everyone can reach (mode %s)',
    (octal) => {
      const mode = parseInt(octal, 8);
      expect(privateKeyModeProblem({ mode: 0o100000 | mode, uid: ROOT }, ME)).toBe(
        `is accessible by others (mode 0${octal})`,
      );
    },
  );
});

describe('readPrivateKeyFile', () => {
  let dir: string;
  const file = (name: string, mode: number): string => {
    const path = join(dir, name);
    writeFileSync(path, 'PEM', { mode });
    chmodSync(path, mode); // whatever the umask
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'private-key-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('in production, refuses a key group or others can read, naming the variable, the file and the fix', async () => {
    const path = file('open.pem', 0o644);
    const error = await readPrivateKeyFile(path, 'TLS_KEY_FILE', true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      `TLS_KEY_FILE: the private key ${path} is accessible by group or others (mode 0644); run chmod 600 ${path} ` +
        '(a Kubernetes secret volume: defaultMode: 0400)',
    );
  });

  it('in production, reads keys with mode 0600 and 0400', async () => {
    expect((await readPrivateKeyFile(file('a.pem', 0o600), 'TLS_KEY_FILE', true)).toString()).toBe('PEM');
    expect((await readPrivateKeyFile(file('b.pem', 0o400), 'TLS_KEY_FILE', true)).toString()).toBe('PEM');
  });

  it('outside production, does not check the mode', async () => {
    expect((await readPrivateKeyFile(file('dev.pem', 0o644), 'JWT_PRIVATE_KEY_FILE', false)).toString()).toBe('PEM');
  });

  it('names the variable and the file when it cannot be read', async () => {
    const path = join(dir, 'missing.pem');
    await expect(readPrivateKeyFile(path, 'JWT_PRIVATE_KEY_FILE', true)).rejects.toThrow(
      `JWT_PRIVATE_KEY_FILE: cannot read ${path} (ENOENT)`,
    );
  });
});
