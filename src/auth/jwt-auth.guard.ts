import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { AuthRequirement } from '../access/auth-requirement';
import type { AuthenticatedUser } from '../access/principal';
import { REQUIRE_AUTH } from '../access/require-auth.decorator';
import { RevocationList } from '../access/revocation-list';
import { ROUTE_ACCESS, type RouteAccess } from '../access/route-access';
import { perHandler } from '../common/per-handler';
import { KeyRing } from '../tokens/key-ring';
import { PreAuthTokenService } from '../tokens/pre-auth-token.service';
import { bearerToken } from './access-token.strategy';
import { VerifiedTokenCache } from './verified-token-cache';

const AccessTokenGuard = AuthGuard('access-token');

/**
 * One 401 for every refused token, built once: an exception's constructor
 * captures a stack (profiled: about 5% of a forged-token request), and this
 * one is never logged; the error filter reads only its status and message.
 */
const REFUSED = new UnauthorizedException();

/**
 * Global and deny by default: every route needs an access token unless it
 * says @Public() or @PreAuth(). The pre-auth routes check the pre-auth token
 * instead, never "either": each route accepts exactly one kind.
 */
@Injectable()
export class JwtAuthGuard extends AccessTokenGuard {
  private readonly routeAuth = perHandler<RouteAccess>(
    (context) =>
      this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'access-token',
  );
  private readonly requireAuth = perHandler<AuthRequirement | undefined>((context) =>
    this.reflector.getAllAndOverride<AuthRequirement | undefined>(REQUIRE_AUTH, [
      context.getHandler(),
      context.getClass(),
    ]),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedTokenCache,
    private readonly revocations: RevocationList,
    private readonly keys: KeyRing,
    private readonly preAuthTokens: PreAuthTokenService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const auth = this.routeAuth(context);
    if (auth === 'public') return true;
    if (auth === 'pre-auth') return this.preAuth(context);
    // A token passport-jwt verified before, byte for byte and not expired,
    // skips the signature check; its session is still checked every time.
    const request = context.switchToHttp().getRequest<{ user?: unknown }>();
    const token = bearerToken(request);
    const user = token ? this.verified.get(token) : undefined;
    if (user) {
      if (await this.revocations.isRevoked(user.sid)) throw REFUSED;
      request.user = user;
      return this.fresh(context, user);
    }
    // What an attacker sends most (a forged or tampered token) costs one
    // signature check, not passport's and jsonwebtoken's error paths on top
    // (figures: docs/performance.md, "Forged tokens"). Only a refusal is
    // decided here; passport-jwt alone accepts.
    if (token && !this.keys.accessSignatureVerifies(token)) throw REFUSED;
    await super.canActivate(context);
    return this.fresh(context, request.user as AuthenticatedUser);
  }

  /** @RequireAuth({ maxAge, acr }): the session's latest proof is recent and strong enough (compiled per route). */
  private fresh(context: ExecutionContext, user: AuthenticatedUser): boolean {
    const refusal = this.requireAuth(context)?.refusal(user, Date.now() / 1000);
    if (refusal) throw refusal;
    return true;
  }

  /** The second-step routes: a valid, unspent pre-auth token, verified by its own pinned JwtService. */
  private async preAuth(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ user?: unknown }>();
    const token = bearerToken(request);
    const principal = token ? await this.preAuthTokens.verify(token) : null;
    if (!principal) throw REFUSED;
    request.user = principal;
    return true;
  }
}
