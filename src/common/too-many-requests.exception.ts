import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * 429 from any limiter (per-address throttlers, account lockout). It carries
 * the wait so the exception filter can send a plain integer Retry-After,
 * whichever limiter refused. The message never says how many attempts remain.
 */
export class TooManyRequestsException extends HttpException {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('Too many requests, try again later', HttpStatus.TOO_MANY_REQUESTS);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
