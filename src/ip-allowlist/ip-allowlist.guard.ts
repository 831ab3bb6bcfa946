import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { clientAddressOf } from '../client-address/client-address';
import type { IpRangeList } from '../client-address/ip-range-list';
import { parseCanonicalIp } from '../client-address/parse-ip';
import { AppConfigService } from '../config/app-config.service';
import { ALLOW_FROM } from './allow-from.decorator';

/**
 * First of the global guards: an address outside IP_ALLOWLIST gets 403
 * before it can touch a rate-limit counter or make the server check a
 * signature. An unknown address (a forged or malformed forwarded chain) is
 * refused too, never treated as the address it imitates.
 */
@Injectable()
export class IpAllowlistGuard implements CanActivate {
  private readonly logger = new Logger('IpAllowlist');
  private readonly allowlist: IpRangeList;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfigService,
  ) {
    this.allowlist = config.app.network.allowlist;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const address = clientAddressOf(request);
    const parsed = address === null ? null : parseCanonicalIp(address);
    // Every @AllowFrom applies, the controller's and the handler's alike: a
    // handler list that overrode its controller's could widen it.
    const routeLists = this.reflector
      .getAll<(IpRangeList | undefined)[]>(ALLOW_FROM, [context.getHandler(), context.getClass()])
      .filter((list): list is IpRangeList => list !== undefined);
    if (parsed && this.allowlist.contains(parsed) && routeLists.every((list) => list.contains(parsed))) {
      return true;
    }
    this.logger.warn(
      `refused ${address ?? 'unknown address'} for ${request.method} ${request.routeOptions.url ?? ''} (request ${request.id})`,
    );
    throw new ForbiddenException('Requests from this address are not allowed');
  }
}
