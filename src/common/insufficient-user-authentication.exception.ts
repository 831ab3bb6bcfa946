import { UnauthorizedException } from '@nestjs/common';

/** What a route asks of the authentication behind a token (RFC 9470 §3's challenge parameters). */
export interface AuthenticationChallenge {
  /** Seconds since the last active authentication (the token's auth_time). */
  maxAge?: number;
  /** The acr value (a URN) required, when the route requires a level. */
  acrValue?: string;
}

export const TOO_OLD = 'A more recent authentication is required';
export const TOO_WEAK = 'A stronger authentication is required';
export const TOO_OLD_AND_WEAK = 'A more recent and stronger authentication is required';

/**
 * RFC 9470: the token is valid, but the authentication behind it is too old
 * or too weak for this route. The challenge names everything the route
 * requires (acr_values and max_age, whichever it sets), so the client can
 * have the user step up (POST /auth/step-up) and retry with the new token.
 *
 * The header is built once per route requirement and refusal kind
 * (challengeHeader), not per request.
 */
export class InsufficientUserAuthenticationException extends UnauthorizedException {
  constructor(
    message: string,
    readonly wwwAuthenticate: string,
  ) {
    super(message);
  }

  /** The exception for a route that only asks for recency, as the built-in sensitive routes do. */
  static tooOld(maxAge: number): InsufficientUserAuthenticationException {
    return new InsufficientUserAuthenticationException(TOO_OLD, challengeHeader(TOO_OLD, { maxAge }));
  }
}

/**
 * `Bearer error="insufficient_user_authentication", error_description="…",
 * acr_values="…", max_age=N`, exactly as RFC 9470 §3 writes it: acr_values
 * quoted (it may hold spaces), max_age as a token (digits). Descriptions and
 * acr values are ours, never the client's, so nothing here needs escaping;
 * the check below keeps it that way.
 */
export function challengeHeader(description: string, challenge: AuthenticationChallenge): string {
  for (const value of [description, challenge.acrValue ?? '']) {
    if (/["\\\p{Cc}]/u.test(value)) throw new Error(`not a quotable challenge parameter: ${value}`);
  }
  let header = `Bearer error="insufficient_user_authentication", error_description="${description}"`;
  if (challenge.acrValue !== undefined) header += `, acr_values="${challenge.acrValue}"`;
  if (challenge.maxAge !== undefined) header += `, max_age=${challenge.maxAge}`;
  return header;
}
