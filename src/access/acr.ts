/**
 * Authentication context classes (the access token's `acr`), weakest first.
 * They live in the route-access kernel because @RequireAuth compares them;
 * the token issuer takes them from here.
 */

/** Password and a TOTP or recovery code (or a code step-up). */
export const ACR_MFA = 'urn:nest-2fa-api:acr:mfa';
/** A passkey was the latest proof: an origin-bound assertion a phishing site cannot relay. */
export const ACR_PHISHING_RESISTANT = 'urn:nest-2fa-api:acr:phr';

/** The short names @RequireAuth({ acr }) takes. */
export type AcrLevel = 'mfa' | 'phr';

export const ACR_VALUES: Record<AcrLevel, string> = { mfa: ACR_MFA, phr: ACR_PHISHING_RESISTANT };

const RANK: Record<string, number> = { [ACR_MFA]: 1, [ACR_PHISHING_RESISTANT]: 2 };

/**
 * The acr values that satisfy `level`: that level and every stronger one.
 * An unknown or missing acr satisfies none (a token that does not say is
 * never taken for strong).
 */
export function acrValuesAtLeast(level: AcrLevel): ReadonlySet<string> {
  const minimum = RANK[ACR_VALUES[level]];
  return new Set(Object.keys(RANK).filter((value) => RANK[value] >= minimum));
}

/**
 * The acr of an authentication proven with these amr values (RFC 8176): a
 * passkey ("hwk") makes it phishing-resistant, anything else is mfa.
 */
export function acrOfAmr(amr: readonly string[]): string {
  return amr.includes('hwk') ? ACR_PHISHING_RESISTANT : ACR_MFA;
}
