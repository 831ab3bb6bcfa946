import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Injectable } from '@nestjs/common';
import { hash, verify, type Options } from '@node-rs/argon2';
import { ConcurrencyLimit } from './concurrency-limit';

// `Algorithm` is a const enum that the native binding exports as an empty
// object, so a transpiler that does not inline const enums (swc under Jest)
// would send `undefined`. The numeric value is passed instead.
const ARGON2ID: Options['algorithm'] = 2;

// OWASP Password Storage Cheat Sheet baseline for argon2id: 19 MiB, 2 passes,
// 1 lane. Memory is the cost that hurts GPU/ASIC attackers most, but it is also
// paid per concurrent login, so it is kept at the baseline and login is rate
// limited instead. Parameters are stored in each PHC string, so raising them
// later only affects new hashes.
const ARGON2_OPTIONS: Options = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  // One core stays free for the event loop (and everything that is not a login).
  private readonly slots = new ConcurrencyLimit(Math.max(1, availableParallelism() - 1));

  /** Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a random salt. */
  hash(password: string): Promise<string> {
    return this.slots.run(() => hash(password, ARGON2_OPTIONS));
  }

  /**
   * Unlike bcrypt, argon2 hashes the whole password (no 72-byte truncation),
   * so no pre-hashing is needed. A stored hash that cannot be parsed counts
   * as a mismatch rather than an error, so a corrupt row cannot turn login
   * into a 500.
   */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => verify(storedHash, password));
    } catch {
      return false;
    }
  }

  /**
   * For logins naming an unknown user: spends the same argon2 work as a real
   * verification, so response time does not reveal which usernames exist.
   * The dummy hash uses the current parameters and is computed on first use,
   * keeping startup fast.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
