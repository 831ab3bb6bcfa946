/** What a verified access token tells a handler. */
export interface AuthenticatedUser {
  id: string;
  jti: string;
  sid: string;
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
