import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerGenerateKeyFunction,
  type ThrottlerGetTrackerFunction,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { originOf } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { clientAddressOf } from '../client-address/client-address';
import { perHandler } from '../common/per-handler';
import { TooManyRequestsException } from '../common/too-many-requests.exception';

/** One throttler as it applies to one handler, with everything resolved. */
interface PlannedThrottler {
  throttler: ThrottlerOptions;
  limit: number;
  ttl: number;
  blockDuration: number;
  getTracker: ThrottlerGetTrackerFunction;
  generateKey: ThrottlerGenerateKeyFunction;
}

/**
 * @nestjs/throttler keyed by the one client address the allowlist also uses
 * (never req.ip or the leftmost X-Forwarded-For). The named throttlers other
 * than "default" apply only to routes that opt into their bucket (their
 * skipIf, in rate-limit.module.ts).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /**
   * Which throttlers apply to a handler, and with which limits, follows from
   * the handler's metadata (@SkipThrottle, @Throttle, @RateLimit) alone: it
   * is resolved once per handler instead of with five metadata reads per
   * throttler on every request (ThrottlerGuard.canActivate). The skipIf
   * functions of rate-limit.module.ts depend on the handler only, so they
   * are evaluated here too. Each request then does one store operation per
   * bucket it belongs to.
   */
  private readonly plan = perHandler<PlannedThrottler[]>((context) => this.planFor(context));

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly events: SecurityEvents,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    for (const planned of this.plan(context)) {
      // handleRequest throws the 429 itself; it returns true otherwise.
      await this.handleRequest({ context, ...planned });
    }
    return true;
  }

  private planFor(context: ExecutionContext): PlannedThrottler[] {
    const targets = [context.getHandler(), context.getClass()];
    const read = <T>(key: string, name: string) => this.reflector.getAllAndOverride<T | undefined>(key + name, targets);
    const planned: PlannedThrottler[] = [];
    for (const throttler of this.throttlers) {
      const name = throttler.name as string;
      const skipIf = throttler.skipIf ?? this.commonOptions.skipIf;
      if (read<boolean>(THROTTLER_SKIP, name) || skipIf?.(context)) continue;
      const limit = read<number>(THROTTLER_LIMIT, name) ?? throttler.limit;
      const ttl = read<number>(THROTTLER_TTL, name) ?? throttler.ttl;
      const blockDuration = read<number>(THROTTLER_BLOCK_DURATION, name) ?? throttler.blockDuration ?? ttl;
      if (typeof limit !== 'number' || typeof ttl !== 'number' || typeof blockDuration !== 'number') {
        // Per-request limit functions would need the per-request path; none is configured here.
        throw new Error(`throttler "${name}": limits must be numbers to be planned per handler`);
      }
      planned.push({
        throttler,
        limit,
        ttl,
        blockDuration,
        getTracker:
          read<ThrottlerGetTrackerFunction>(THROTTLER_TRACKER, name) ??
          throttler.getTracker ??
          (this.commonOptions.getTracker as ThrottlerGetTrackerFunction),
        generateKey:
          read<ThrottlerGenerateKeyFunction>(THROTTLER_KEY_GENERATOR, name) ??
          throttler.generateKey ??
          (this.commonOptions.generateKey as ThrottlerGenerateKeyFunction),
      });
    }
    return planned;
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
