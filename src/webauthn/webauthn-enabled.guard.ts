import { CanActivate, ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfigService } from '../config/app-config.service';

/**
 * WEBAUTHN_ENABLED=false makes every passkey route absent: the same 404 as
 * any route that does not exist, before body validation.
 */
@Injectable()
export class WebAuthnEnabledGuard implements CanActivate {
  constructor(private readonly config: AppConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.app.webauthn.enabled) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    throw new NotFoundException(`Cannot ${request.method} ${request.url.split('?')[0]}`);
  }
}
