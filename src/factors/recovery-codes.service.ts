import { randomInt, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { constantTimeEqual } from '../crypto/constant-time';
import { RecoveryCodeHasher } from './recovery-code-hasher';
import { RecoveryCode } from './recovery-code.entity';

const COUNT = 10;
/** RFC 4648 base32 in lower case (no 0, 1, 8, 9 to confuse with o, l, b, g): 5 bits a character, 50 bits a code. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const LENGTH = 10;
const NORMALIZED = /^[a-z2-7]{10}$/;

@Injectable()
export class RecoveryCodesService {
  constructor(
    @InjectRepository(RecoveryCode) private readonly codes: Repository<RecoveryCode>,
    private readonly hasher: RecoveryCodeHasher,
  ) {}

  /** Issues a fresh set, shown once; every earlier code of the user stops working. */
  async replace(userId: string): Promise<string[]> {
    const plain = Array.from({ length: COUNT }, () => generateCode());
    await this.codes.manager.transaction(async (manager) => {
      await manager.delete(RecoveryCode, { userId });
      await manager.insert(
        RecoveryCode,
        plain.map((code) => ({ id: randomUUID(), userId, codeHash: this.hasher.hash(normalize(code)), usedAt: null })),
      );
    });
    return plain;
  }

  /**
   * Uses a code once. The stored hashes are compared in constant time, then
   * the match is claimed by a conditional update: two concurrent uses of the
   * same code, on one instance or several, let exactly one through.
   * Returns the number of codes left, or null when the code is not valid.
   */
  async consume(userId: string, input: string): Promise<number | null> {
    const normalized = normalize(input);
    if (!NORMALIZED.test(normalized)) return null;
    const candidates = this.hasher.candidates(normalized);
    const unused = await this.codes.findBy({ userId, usedAt: IsNull() });
    let match: RecoveryCode | undefined;
    for (const row of unused) {
      for (const candidate of candidates) {
        if (constantTimeEqual(candidate, row.codeHash)) match = row;
      }
    }
    if (!match) return null;
    const claimed = await this.codes
      .createQueryBuilder()
      .update(RecoveryCode)
      .set({ usedAt: Date.now() })
      .where('id = :id AND used_at IS NULL', { id: match.id })
      .execute();
    if (claimed.affected !== 1) return null;
    return this.codes.countBy({ userId, usedAt: IsNull() });
  }

  hasUnused(userId: string): Promise<boolean> {
    return this.codes.existsBy({ userId, usedAt: IsNull() });
  }

  async removeAll(userId: string): Promise<void> {
    await this.codes.delete({ userId });
  }
}

function generateCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Users retype codes: case, spaces and the dash do not matter. */
function normalize(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}
