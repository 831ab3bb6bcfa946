import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { originOf } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { clientAddressOf } from '../client-address/client-address';
import { TooManyRequestsException } from '../common/too-many-requests.exception';

/**
 * @nestjs/throttler keyed by the one client address the allowlist also uses
 * (never req.ip or the leftmost X-Forwarded-For). The named throttlers other
 * than "default" apply only to routes that opt into their bucket (their
 * skipIf, in rate-limit.module.ts).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly events: SecurityEvents,
  ) {
    super(options, storage, reflector);
  }

  /**
   * IPv6 clients are counted per /64: one subscriber usually holds a whole
   * /64, and counting single addresses would hand them 2^64 budgets.
   */
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const address = clientAddressOf(request);
    if (address === null) return 'unknown';
    if (!address.includes(':')) return address;
    return ipaddr.IPv6.networkAddressFromCIDR(`${address}/64`).toString();
  }

  /** One count per client and bucket, shared by every route of the bucket. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const origin = originOf(context.switchToHttp().getRequest<FastifyRequest>());
    this.events.record('net.rate_limit.refused', origin, { bucket: detail.key.split(':')[0] });
    throw new TooManyRequestsException(detail.timeToBlockExpire);
  }
}
