import { SecretBox } from '../crypto/secret-box';

/**
 * The SecretBox that seals TOTP secrets at rest, under its own key derived
 * from APP_SECRET ('totp-secret-encryption'), with the user id as associated
 * data. A class of its own so it is injected by type, never confused with
 * another box.
 */
export class TotpSecretBox extends SecretBox {}
