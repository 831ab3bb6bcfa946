import { CanActivate, Injectable, NotFoundException } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service';

/**
 * Registration switched off means the route is absent: the same 404 as any
 * route that does not exist. A guard, not a check in the handler, so the
 * 404 comes before body validation and no body can get a 400 that betrays
 * the route.
 */
@Injectable()
export class RegistrationOpenGuard implements CanActivate {
  constructor(private readonly config: AppConfigService) {}

  canActivate(): boolean {
    if (!this.config.app.registrationEnabled) throw new NotFoundException('Cannot POST /auth/register');
    return true;
  }
}
