import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, MoreThan, type Repository } from 'typeorm';
import { AppConfigService } from '../config/app-config.service';
import { DeviceToken } from './device-token.entity';

/** 256 random bits (OWASP asks for an unguessable value; a plain hash then suffices). */
const TOKEN_BYTES = 32;
/** Longer than any token this service issues: anything longer is not one, and is not hashed. */
const MAX_TOKEN_LENGTH = 128;

export interface IssuedDeviceToken {
  id: string;
  token: string;
}

/** Device tokens: issued by a full login, presented at the next password step. */
@Injectable()
export class DeviceTokensService {
  private readonly ttlMs: number;

  constructor(
    @InjectRepository(DeviceToken) private readonly devices: Repository<DeviceToken>,
    config: AppConfigService,
  ) {
    this.ttlMs = config.app.devices.tokenTtlSeconds * 1000;
  }

  /**
   * The device id when `token` is a live device token of `userId`, otherwise
   * null. Unknown, expired and another user's tokens are all the same null:
   * a device token is a hint for the lockout, never an error a client sees.
   */
  async resolve(token: string | undefined, userId: string | undefined): Promise<string | null> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return null;
    const row = await this.devices.findOneBy({ tokenHash: hashToken(token) });
    if (!row || row.userId !== userId || row.expiresAt <= Date.now()) return null;
    return row.id;
  }

  /**
   * After a full login: a known device keeps its id and gets a fresh value
   * (the old one stops working, so a copied token dies at the owner's next
   * login); otherwise a new device. Expired devices of the user go.
   */
  async issue(userId: string, knownDeviceId: string | null, userAgent: string | null): Promise<IssuedDeviceToken> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const now = Date.now();
    const fresh = { tokenHash: hashToken(token), lastUsedAt: now, expiresAt: now + this.ttlMs, userAgent };
    if (knownDeviceId) {
      const rotated = await this.devices.update({ id: knownDeviceId, userId }, fresh);
      if (rotated.affected === 1) return { id: knownDeviceId, token };
      // Revoked since the password step: it comes back only as a new device.
    }
    await this.devices.delete({ userId, expiresAt: LessThanOrEqual(now) });
    const id = randomUUID();
    await this.devices.insert({ id, userId, createdAt: now, ...fresh });
    return { id, token };
  }

  /** The user's unexpired device tokens, most recently created first, at most `limit`. */
  listLive(userId: string, limit: number): Promise<DeviceToken[]> {
    return this.devices.find({
      where: { userId, expiresAt: MoreThan(Date.now()) },
      select: { id: true, createdAt: true, lastUsedAt: true, userAgent: true },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  /** Whether `deviceId` is an unexpired device token of `userId`. */
  isLive(userId: string, deviceId: string): Promise<boolean> {
    return this.devices.existsBy({ id: deviceId, userId, expiresAt: MoreThan(Date.now()) });
  }

  /** True when this call removed the device (of concurrent revocations, one only). */
  async revoke(deviceId: string): Promise<boolean> {
    return (await this.devices.delete({ id: deviceId })).affected === 1;
  }

  /** A credential change (password, 2FA reset, logout-all, sessions:revoke) ends every device's trust. */
  async revokeAll(userId: string): Promise<void> {
    await this.devices.delete({ userId });
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
