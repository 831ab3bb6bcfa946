import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
// Always the full 128-bit GCM tag: Node would otherwise accept truncated tags
// on decryption, which makes forgeries much cheaper.
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Authenticated encryption (AES-256-GCM) for small secrets at rest, such as
 * TOTP seeds.
 *
 * The associated data must identify the owner of the value (the user id). It
 * is authenticated but not stored, so a ciphertext copied into another user's
 * row, e.g. by someone with write access to the database, fails to open
 * instead of silently granting that user the victim's second factor.
 */
@Injectable()
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new Error(`SecretBox key must be ${KEY_BYTES} bytes`);
    }
    this.key = Buffer.from(key);
  }

  seal(plaintext: string, associatedData: string): string {
    // A fresh random IV per message: GCM reusing an IV under one key breaks
    // both confidentiality and integrity. 96-bit random IVs are safe for far
    // more messages than this application will ever seal.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, ...[iv, ciphertext, tag].map((part) => part.toString('base64url'))].join('.');
  }

  open(sealed: string, associatedData: string): string {
    try {
      const [version, iv, ciphertext, tag] = parse(sealed);
      if (version !== VERSION || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new Error('malformed');
      }
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // One generic error for every failure: callers (and logs) must not learn
      // whether the format, the key, the associated data or the tag was wrong.
      throw new Error('sealed value cannot be opened');
    }
  }
}

function parse(sealed: string): [string, Buffer, Buffer, Buffer] {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 4) {
    throw new Error('malformed');
  }
  const [version, ...encoded] = parts;
  const [iv, ciphertext, tag] = encoded.map(decodeCanonicalBase64url);
  return [version, iv, ciphertext, tag];
}

// Buffer.from(..., 'base64url') silently skips invalid characters; only the
// canonical encoding is accepted so each sealed value has exactly one spelling.
function decodeCanonicalBase64url(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  if (!BASE64URL.test(text) || bytes.toString('base64url') !== text) {
    throw new Error('malformed');
  }
  return bytes;
}
