import { SetMetadata } from '@nestjs/common';

export type RateLimitBucket = 'login' | '2fa';
export const RATE_LIMIT_BUCKET = 'rate-limit:bucket';

/**
 * Puts a route under a stricter named limit on top of the default one.
 * Routes that share a bucket share one count per client address, so an
 * attacker cannot double the budget by alternating /login and /register.
 */
export const RateLimit = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);
