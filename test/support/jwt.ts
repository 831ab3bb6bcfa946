import { createHmac, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Compact JWTs taken apart and put together by hand, for looking at what the
 * server issued and for forging what it must refuse.
 */

export type Json = Record<string, unknown>;

/** base64url of a JSON value, or of a string as it is. */
export const b64 = (value: Json | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWT's header and claims, unverified, and its signature as sent. */
export function decodeJwt(token: string): {
  header: Record<string, any>;
  claims: Record<string, any>;
  signature: string;
} {
  const [header, claims, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')),
    signature,
  };
}

/** HS256 by hand, so any byte string can be the key (the server's public key, say). */
export function hs256(header: Json, claims: Json, key: Buffer | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** ES256 through jsonwebtoken; header and claims are exactly what is given, minus undefined entries. */
export function es256(header: Json, claims: Json, privateKey: KeyObject): string {
  const defined = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return jwt.sign(defined, privateKey, {
    algorithm: 'ES256',
    header: { alg: 'ES256', typ: undefined, ...header },
    noTimestamp: true,
  });
}
