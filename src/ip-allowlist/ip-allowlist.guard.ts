import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { SecurityEvents } from '../audit/security-events.service';
import type { IpRangeList } from '../client-address/ip-range-list';
import { perHandler } from '../common/per-handler';
import { AppConfigService } from '../config/app-config.service';
import { ALLOW_FROM } from './allow-from.decorator';
import { isAllowed, refusal } from './ip-access';

/**
 * First of the global guards: an address outside IP_ALLOWLIST, or outside a
 * route's @AllowFrom lists, gets 403 before it can touch a rate-limit
 * counter or make the server check a signature. The request hook
 * (ip-allowlist.hook.ts) already refused addresses outside IP_ALLOWLIST
 * before routing; checking the global list again here keeps the guard
 * correct on its own.
 */
@Injectable()
export class IpAllowlistGuard implements CanActivate {
  private readonly allowlist: IpRangeList;

  constructor(
    private readonly reflector: Reflector,
    private readonly events: SecurityEvents,
    config: AppConfigService,
  ) {
    this.allowlist = config.app.network.allowlist;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (isAllowed(request, this.lists(context))) return true;
    throw refusal(request, this.events);
  }

  /**
   * The global list plus every @AllowFrom, the controller's and the
   * handler's alike: a handler list that overrode its controller's could
   * widen it.
   */
  private readonly lists = perHandler((context) => [
    this.allowlist,
    ...this.reflector
      .getAll<(IpRangeList | undefined)[]>(ALLOW_FROM, [context.getHandler(), context.getClass()])
      .filter((list): list is IpRangeList => list !== undefined),
  ]);
}
