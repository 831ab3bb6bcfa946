import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveKey } from '../../../src/crypto/key-derivation';
import { enrolledUser, login, register, STRONG_PASSWORD, type EnrolledUser } from '../flows';
import type { HttpsClient } from '../https-client';
import type { TestApp } from '../test-app';
import { currentStep, totpAt } from '../totp';
import type { OperationAuth } from './openapi-operations';

export type TokenKind = 'access' | 'pre-auth';

/** The server's own signing keys, read from the dev secrets it generated: for tokens with valid signatures and hostile claims. */
export interface SigningKeys {
  access: KeyObject;
  preAuth: Buffer;
}

export function signingKeysOf(t: TestApp): SigningKeys {
  const secrets = join(t.dataDir, 'secrets');
  const appSecret = readFileSync(join(secrets, 'app-secret'), 'utf8').trim();
  return {
    access: createPrivateKey(readFileSync(join(secrets, 'jwt-es256.pem'), 'utf8')),
    preAuth: deriveKey(Buffer.from(appSecret, 'utf8'), 'preauth-jwt'),
  };
}

/**
 * Real tokens and credentials for the fuzz: an enrolled user's access token
 * (and refresh token, TOTP secret, recovery codes) and a pre-auth token of a
 * user still to enrol. A generated request may end them (logout, a spent
 * pre-auth budget, a lockout, a changed password): the bank then marks them
 * stale and, when allowed to, replaces them with a brand-new user, which is
 * itself a full register → login → setup → enable against the fuzzed server.
 */
export class TokenBank {
  private user: EnrolledUser | undefined;
  private preAuth: { token: string; uses: number } | undefined;
  private accessStale = false;
  private preAuthStale = false;
  /** Full logins the bank did: each one is also evidence the server still works. */
  renewals = 0;

  constructor(
    private readonly client: HttpsClient,
    /** Under the real rate limits the bank must not spend the login budget: stale tokens are then kept as they are. */
    private readonly renew: boolean,
  ) {}

  async init(): Promise<void> {
    this.user = await enrolledUser(this.client);
    this.preAuth = { token: await this.freshPreAuth(), uses: 0 };
  }

  async token(kind: TokenKind): Promise<string> {
    if (kind === 'access') {
      if (this.accessStale && this.renew) {
        this.user = await this.renewed('access', () => enrolledUser(this.client));
        this.accessStale = false;
      }
      return this.current().accessToken;
    }
    if (this.preAuthStale && this.renew) {
      this.preAuth = { token: await this.renewed('pre-auth', () => this.freshPreAuth()), uses: 0 };
      this.preAuthStale = false;
    }
    if (!this.preAuth) throw new Error('TokenBank: init() first');
    return this.preAuth.token;
  }

  /**
   * Values a valid request would carry in a body field of this name, for
   * requests that get past validation: the user's own username, password,
   * refresh token, current code, a recovery code.
   */
  known(field: string): string | undefined {
    const user = this.current();
    switch (field) {
      case 'username':
        return user.username;
      case 'password':
      case 'currentPassword':
        return user.password;
      case 'newPassword':
        return `${STRONG_PASSWORD} again`;
      case 'refreshToken':
        return user.refreshToken;
      case 'code':
        return totpAt(user.secret, currentStep());
      case 'recoveryCode':
        return user.recoveryCodes[0];
      default:
        return undefined;
    }
  }

  /**
   * What a response says about the tokens the request used. Any success
   * that may have changed state (logout, a spent code or refresh token, a
   * new password) or a 429 (a lockout) makes them stale; so does a 401 to an
   * access token on its own kind of route (expired, revoked). A pre-auth
   * token is renewed after three uses instead: a wrong code answers 401
   * without ending it, five end it.
   */
  observe(
    used: { kind: TokenKind | undefined; auth: OperationAuth; method: string; usedKnownValues: boolean },
    status: number,
  ): void {
    const changed = (status < 300 && used.method !== 'GET') || status === 429;
    if (used.kind === 'access' && used.auth === 'access-token' && (changed || status === 401)) this.markStale('access');
    if (used.kind === 'pre-auth' && used.auth === 'pre-auth' && this.preAuth) {
      this.preAuth.uses += 1;
      if (changed || this.preAuth.uses >= 3) this.markStale('pre-auth');
    }
    if (used.usedKnownValues && changed) this.markStale('access');
  }

  private markStale(kind: TokenKind): void {
    if (kind === 'access') this.accessStale = true;
    else this.preAuthStale = true;
  }

  private current(): EnrolledUser {
    if (!this.user) throw new Error('TokenBank: init() first');
    return this.user;
  }

  private async freshPreAuth(): Promise<string> {
    const { username, password } = await register(this.client);
    return login(this.client, username, password);
  }

  private async renewed<T>(what: string, make: () => Promise<T>): Promise<T> {
    this.renewals += 1;
    try {
      return await make();
    } catch (error) {
      // Not the current request's fault: an earlier one left the server unable to log anyone in.
      throw new Error(
        `the server no longer completes a login (renewing the ${what} token): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}
