import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { User } from '../users/user.entity';
import { WebAuthnCredential } from './webauthn-credential.entity';
import type { NewCredential } from './webauthn-relying-party';

export type RemoveOutcome = 'removed' | 'not-found' | 'last-factor';

/**
 * Passkeys one account may hold: each one is listed in every registration's
 * excludeCredentials and every login's allowCredentials, so an unbounded list
 * would grow every ceremony; no person needs more.
 */
export const MAX_PASSKEYS = 20;

/** Stored passkeys: lookups, and the conditional writes that keep counters and the last factor safe. */
@Injectable()
export class WebAuthnCredentialsService {
  constructor(@InjectRepository(WebAuthnCredential) private readonly credentials: Repository<WebAuthnCredential>) {}

  list(userId: string): Promise<WebAuthnCredential[]> {
    return this.credentials.find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  async hasAny(userId: string): Promise<boolean> {
    return this.credentials.existsBy({ userId });
  }

  findByCredentialId(credentialId: string): Promise<WebAuthnCredential | null> {
    return this.credentials.findOneBy({ credentialId });
  }

  /**
   * Stores a new passkey; null when its credential id is already registered,
   * to this user or another (the unique index decides, so two concurrent
   * registrations of one authenticator cannot both succeed).
   */
  async add(
    userId: string,
    credential: NewCredential,
    name: string,
    manager: EntityManager = this.credentials.manager,
  ): Promise<WebAuthnCredential | null> {
    if (await manager.existsBy(WebAuthnCredential, { credentialId: credential.credentialId })) return null;
    const row = manager.create(WebAuthnCredential, {
      id: randomUUID(),
      userId,
      ...credential,
      name,
      createdAt: Date.now(),
      lastUsedAt: null,
    });
    try {
      await manager.insert(WebAuthnCredential, row);
    } catch (error) {
      if (await manager.existsBy(WebAuthnCredential, { credentialId: credential.credentialId })) return null;
      throw error;
    }
    return row;
  }

  async rename(userId: string, id: string, name: string): Promise<WebAuthnCredential | null> {
    const result = await this.credentials.update({ id, userId }, { name });
    return result.affected === 1 ? this.credentials.findOneBy({ id, userId }) : null;
  }

  /**
   * Records an accepted assertion: the new counter, only if the stored one
   * is still what the check compared against. Of two assertions racing on
   * one counter value, one is accepted.
   */
  async acceptAssertion(credential: WebAuthnCredential, newCounter: number, backedUp: boolean): Promise<boolean> {
    const result = await this.credentials
      .createQueryBuilder()
      .update(WebAuthnCredential)
      .set({ counter: newCounter, backedUp, lastUsedAt: Date.now() })
      .where('id = :id AND counter = :counter', { id: credential.id, counter: credential.counter })
      .execute();
    return result.affected === 1;
  }

  /**
   * Removes one passkey unless it is the user's last second factor. The
   * user's row is locked first (PostgreSQL; SQLite serialises writers), so
   * two removals racing for the last two passkeys cannot both pass the count.
   */
  async remove(userId: string, id: string): Promise<RemoveOutcome> {
    return this.credentials.manager.transaction(async (manager) => {
      const query = manager.createQueryBuilder(User, 'user').where('user.id = :userId', { userId });
      if (manager.connection.options.type === 'postgres') query.setLock('pessimistic_write');
      const user = await query.getOne();
      const target = await manager.findOneBy(WebAuthnCredential, { id, userId });
      if (!user || !target) return 'not-found';
      const passkeys = await manager.countBy(WebAuthnCredential, { userId });
      if (!user.totpEnabled && passkeys <= 1) return 'last-factor';
      await manager.delete(WebAuthnCredential, { id, userId });
      return 'removed';
    });
  }

  async removeAll(userId: string): Promise<void> {
    await this.credentials.delete({ userId });
  }
}
