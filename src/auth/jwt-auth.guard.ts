import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PRE_AUTH } from './pre-auth.decorator';
import { IS_PUBLIC } from './public.decorator';

const AccessTokenGuard = AuthGuard('access-token');
const PreAuthTokenGuard = AuthGuard('pre-auth-token');

/**
 * Global and deny by default: every route needs an access token unless it
 * says @Public() or @PreAuth(). The pre-auth routes check the pre-auth token
 * instead, never "either": each route accepts exactly one kind.
 */
@Injectable()
export class JwtAuthGuard extends AccessTokenGuard {
  private readonly preAuthGuard = new PreAuthTokenGuard();

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PRE_AUTH, targets)) {
      return this.preAuthGuard.canActivate(context);
    }
    return super.canActivate(context);
  }
}
