import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { perHandler } from '../common/per-handler';
import { RevocationList } from '../sessions/revocation-list';
import { KeyRing } from '../tokens/key-ring';
import { bearerToken } from './access-token.strategy';
import { IS_PRE_AUTH } from './pre-auth.decorator';
import { IS_PUBLIC } from './public.decorator';
import { VerifiedTokenCache } from './verified-token-cache';

const AccessTokenGuard = AuthGuard('access-token');
const PreAuthTokenGuard = AuthGuard('pre-auth-token');

type RouteAuth = 'public' | 'pre-auth' | 'access-token';

/**
 * Global and deny by default: every route needs an access token unless it
 * says @Public() or @PreAuth(). The pre-auth routes check the pre-auth token
 * instead, never "either": each route accepts exactly one kind.
 */
@Injectable()
export class JwtAuthGuard extends AccessTokenGuard {
  private readonly preAuthGuard = new PreAuthTokenGuard();
  private readonly routeAuth = perHandler<RouteAuth>((context) => {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return 'public';
    if (this.reflector.getAllAndOverride<boolean>(IS_PRE_AUTH, targets)) return 'pre-auth';
    return 'access-token';
  });

  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedTokenCache,
    private readonly revocations: RevocationList,
    private readonly keys: KeyRing,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const auth = this.routeAuth(context);
    if (auth === 'public') return true;
    if (auth === 'pre-auth') return (await this.preAuthGuard.canActivate(context)) as boolean;
    // A token passport-jwt verified before, byte for byte and not expired,
    // skips the signature check; its session is still checked every time.
    const request = context.switchToHttp().getRequest<{ user?: unknown }>();
    const token = bearerToken(request);
    const user = token ? this.verified.get(token) : undefined;
    if (user) {
      if (await this.revocations.isRevoked(user.sid)) throw new UnauthorizedException();
      request.user = user;
      return true;
    }
    // What an attacker sends most (a forged or tampered token) costs one
    // signature check, not passport's and jsonwebtoken's error paths on top
    // (figures: docs/performance.md, "Forged tokens"). Only a refusal is
    // decided here; passport-jwt alone accepts.
    if (token && !this.keys.accessSignatureVerifies(token)) throw new UnauthorizedException();
    return (await super.canActivate(context)) as boolean;
  }
}
