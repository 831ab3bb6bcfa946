/** What a verified access token tells a handler. */
export interface AuthenticatedUser {
  id: string;
  jti: string;
  sid: string;
  /** When the second factor was last proven in this session (epoch seconds); 0 when the token does not say. */
  authTime: number;
  /** The methods of that latest proof (RFC 8176). */
  amr: string[];
  /** The level of that latest proof (src/access/acr.ts); empty when the token does not say, which satisfies no level. */
  acr: string;
}

/** What a verified pre-auth token tells the second-step handlers. */
export interface PreAuthenticatedUser {
  id: string;
  jti: string;
  exp: number;
  credentialVersion: number;
  /** Set when the password step came with a valid device token of this user. */
  deviceId: string | null;
}
