import type { AppConfig } from '../config/app-config';
import type { AdminService } from './admin.service';

/** After ending sessions: whether their access tokens stop at once, or only at expiry or restart. */
export function accessTokenNote(admin: AdminService, config: AppConfig, info: (line: string) => void): void {
  if (admin.sharedStore) {
    info('Access tokens of those sessions are refused at once by every instance (revocation list in Redis).');
  } else {
    info(
      `Note: REDIS_URL is not set, so a running API process keeps its revocation list in memory: access tokens ` +
        `already issued stay valid until they expire (at most ${config.jwt.accessTtlSeconds} s, JWT_ACCESS_TTL) ` +
        `or until the API restarts (it then reloads recent revocations from the database).`,
    );
  }
}
