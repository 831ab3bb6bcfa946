import {
  challengeHeader,
  InsufficientUserAuthenticationException,
  TOO_OLD,
  TOO_OLD_AND_WEAK,
  TOO_WEAK,
  type AuthenticationChallenge,
} from '../common/insufficient-user-authentication.exception';
import { ACR_VALUES, acrValuesAtLeast, type AcrLevel } from './acr';
import type { AuthenticatedUser } from './principal';

/** @RequireAuth's options: at least one of the two; both means both must hold. */
export type RequireAuthOptions = { maxAge: number; acr?: AcrLevel } | { maxAge?: number; acr: AcrLevel };

/**
 * One route's @RequireAuth, compiled when the decorator runs: the accepted
 * acr values as a set and the three possible challenges as finished
 * headers, so a request costs a subtraction and a set lookup.
 */
export class AuthRequirement {
  readonly maxAge: number | undefined;
  readonly acr: AcrLevel | undefined;
  private readonly acceptedAcr: ReadonlySet<string> | undefined;
  private readonly refusals: Record<'old' | 'weak' | 'both', { message: string; header: string }>;

  constructor(options: RequireAuthOptions) {
    const { maxAge, acr } = options;
    // A mistake in a route's decorator fails at startup, not as a route that checks nothing.
    if (maxAge === undefined && acr === undefined) throw new Error('@RequireAuth needs maxAge, acr or both');
    if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
      throw new Error(`@RequireAuth maxAge must be a whole number of seconds, not ${maxAge}`);
    }
    if (acr !== undefined && !Object.hasOwn(ACR_VALUES, acr))
      throw new Error(`@RequireAuth acr must be mfa or phr, not ${acr}`);
    this.maxAge = maxAge;
    this.acr = acr;
    this.acceptedAcr = acr === undefined ? undefined : acrValuesAtLeast(acr);
    // The challenge names all of the route's requirement, whichever part failed:
    // the authentication the client obtains next must satisfy both.
    const challenge: AuthenticationChallenge = { maxAge, acrValue: acr === undefined ? undefined : ACR_VALUES[acr] };
    const refusal = (message: string) => ({ message, header: challengeHeader(message, challenge) });
    this.refusals = { old: refusal(TOO_OLD), weak: refusal(TOO_WEAK), both: refusal(TOO_OLD_AND_WEAK) };
  }

  /** The 401 for this token, or null when it satisfies the route. `nowSeconds`: epoch seconds. */
  refusal(
    user: Pick<AuthenticatedUser, 'authTime' | 'acr'>,
    nowSeconds: number,
  ): InsufficientUserAuthenticationException | null {
    const old = this.maxAge !== undefined && nowSeconds - user.authTime > this.maxAge;
    const weak = this.acceptedAcr !== undefined && !this.acceptedAcr.has(user.acr);
    if (!old && !weak) return null;
    const { message, header } = this.refusals[old && weak ? 'both' : old ? 'old' : 'weak'];
    return new InsufficientUserAuthenticationException(message, header);
  }
}
