import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for the Node-level tests: P-256 keys
 * from node:crypto, attestation "none", and the few lines of CBOR that the
 * attestation object and the COSE key need. Everything a browser and an
 * authenticator would put into a ceremony can be bent per call (origin, RP
 * ID, flags, counter), which is how the tests make every refusal happen.
 */

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

interface StoredCredential {
  id: Buffer;
  key: KeyObject;
  publicJwk: { x: string; y: string };
  counter: number;
  rpId: string;
  userHandle: string;
}

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  /** The challenge to sign instead of the one in the options (another ceremony's). */
  challenge?: string;
  type?: string;
  userVerified?: boolean;
  userPresent?: boolean;
  /** Assertions: the signature counter to report (the next value by default). */
  counter?: number;
  /** Assertions: which stored credential answers (the first allowed one by default). */
  credentialId?: string;
  /** Registration: register this existing credential again instead of making a new one. */
  reuseCredentialId?: string;
}

export interface AuthenticatorOptions {
  origin: string;
  /** Synced passkeys report 0 as their counter, always. */
  counterless?: boolean;
  backedUp?: boolean;
}

type Json = Record<string, any>;

export class SoftAuthenticator {
  readonly credentials: StoredCredential[] = [];

  constructor(private readonly options: AuthenticatorOptions) {}

  /** navigator.credentials.create() for PublicKeyCredentialCreationOptionsJSON, answered as RegistrationResponseJSON. */
  register(creation: Json, overrides: CeremonyOverrides = {}): Json {
    const rpId = overrides.rpId ?? creation.rp.id ?? 'localhost';
    let credential = this.credentials.find((c) => c.id.toString('base64url') === overrides.reuseCredentialId);
    if (!credential) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
      credential = {
        id: randomBytes(32),
        key: privateKey,
        publicJwk: jwk,
        counter: 0,
        rpId,
        userHandle: creation.user.id,
      };
      this.credentials.push(credential);
    }
    const clientDataJSON = this.clientData('webauthn.create', creation.challenge, overrides);
    const coseKey = cbor(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(credential.publicJwk.x, 'base64url')],
        [-3, Buffer.from(credential.publicJwk.y, 'base64url')],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.authDataHead(rpId, overrides, FLAG_AT, 0),
      Buffer.alloc(16), // AAGUID: none given with attestation "none"
      idLength,
      credential.id,
      coseKey,
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get() for PublicKeyCredentialRequestOptionsJSON, answered as AuthenticationResponseJSON. */
  assert(request: Json, overrides: CeremonyOverrides = {}): Json {
    const allowed: string[] = (request.allowCredentials ?? []).map((c: { id: string }) => c.id);
    const wanted = overrides.credentialId;
    const credential = this.credentials.find((c) => {
      const id = c.id.toString('base64url');
      if (wanted) return id === wanted;
      return allowed.length === 0 ? c.rpId === (request.rpId ?? c.rpId) : allowed.includes(id);
    });
    if (!credential) throw new Error('the soft authenticator holds no credential for these options');
    const counter = overrides.counter ?? (this.options.counterless ? 0 : credential.counter + 1);
    if (overrides.counter === undefined) credential.counter = counter;
    const rpId = overrides.rpId ?? request.rpId ?? credential.rpId;
    const clientDataJSON = this.clientData('webauthn.get', request.challenge, overrides);
    const authData = this.authDataHead(rpId, overrides, 0, counter);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        // ES256 in WebAuthn: an ASN.1 DER signature, node:crypto's default.
        signature: sign('sha256', signed, credential.key).toString('base64url'),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge: overrides.challenge ?? challenge,
        origin: overrides.origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  private authDataHead(rpId: string, overrides: CeremonyOverrides, extraFlags: number, counter: number): Buffer {
    let flags = extraFlags;
    if (overrides.userPresent ?? true) flags |= FLAG_UP;
    if (overrides.userVerified ?? true) flags |= FLAG_UV;
    if (this.options.backedUp) flags |= FLAG_BE | FLAG_BS;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), counterBytes]);
  }
}

/** The CBOR subset (RFC 8949) a "none" attestation and a COSE EC2 key use: ints, text, bytes, maps. */
function cbor(value: unknown): Buffer {
  if (typeof value === 'number') {
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) {
    const parts = [head(5, value.size)];
    for (const [key, item] of value) parts.push(cbor(key), cbor(item));
    return Buffer.concat(parts);
  }
  throw new Error(`cbor: unsupported ${typeof value}`);
}

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  const bytes = Buffer.alloc(3);
  bytes[0] = (major << 5) | 25;
  bytes.writeUInt16BE(length, 1);
  return bytes;
}
