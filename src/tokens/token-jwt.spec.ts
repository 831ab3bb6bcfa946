import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { defaultEnvironment } from '../config/env.source';
import { loadConfig } from '../config/load-config';
import { readJwtHeader } from './jwt-header';
import { KeyRing } from './key-ring';
import { accessJwtService, preAuthJwtService } from './token-jwt';

const config = loadConfig({ ...defaultEnvironment(join(__dirname, '..', '..')), NODE_ENV: 'test' });

function ring(): KeyRing {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  return new KeyRing(
    { appSecret: randomBytes(32), jwtPrivateKeyPem: String(pem), jwtPreviousPublicKeyPems: [] },
    { preAuthTtlSeconds: 300 },
  );
}

describe('one pinned JwtService per token kind', () => {
  const keys = ring();
  const access = accessJwtService(keys, config);
  const preAuth = preAuthJwtService(keys, config);

  it('signs each kind with its own key, algorithm, typ, issuer, audience and lifetime', () => {
    const at = access.sign({ sid: 's' }, { subject: 'u' });
    const pt = preAuth.sign({ cv: 0 }, { subject: 'u' });
    expect(readJwtHeader(at)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: keys.accessKid });
    expect(readJwtHeader(pt)).toEqual({ alg: 'HS256', typ: 'preauth+jwt', kid: keys.preAuthKid });
    const claims = access.verify(at);
    expect(claims).toMatchObject({ iss: config.jwt.issuer, aud: config.jwt.audience, sub: 'u' });
    expect(claims.exp - claims.iat).toBe(config.jwt.accessTtlSeconds);
    expect(preAuth.verify(pt)).toMatchObject({ aud: `${config.jwt.issuer}#preauth` });
  });

  it('never verifies one kind as the other', () => {
    const at = access.sign({ sid: 's' }, { subject: 'u' });
    const pt = preAuth.sign({ cv: 0 }, { subject: 'u' });
    expect(() => preAuth.verify(at)).toThrow();
    expect(() => access.verify(pt)).toThrow();
  });

  it('refuses a token signed by another key ring of the same kind', () => {
    const foreign = preAuthJwtService(ring(), config).sign({ cv: 0 }, { subject: 'u' });
    expect(() => preAuth.verify(foreign)).toThrow();
  });
});
