import { UnauthorizedException } from '@nestjs/common';

/**
 * RFC 9470: the token is valid but its authentication is too old for this
 * route. The challenge names the maximum age the route accepts, so the
 * client can ask the user to authenticate again and retry.
 */
export class InsufficientUserAuthenticationException extends UnauthorizedException {
  static readonly MESSAGE = 'A more recent authentication is required';

  constructor(readonly maxAge: number) {
    super(InsufficientUserAuthenticationException.MESSAGE);
  }

  get wwwAuthenticate(): string {
    return (
      `Bearer error="insufficient_user_authentication", ` +
      `error_description="${InsufficientUserAuthenticationException.MESSAGE}", max_age=${this.maxAge}`
    );
  }
}
