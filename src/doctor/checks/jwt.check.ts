import type { AppConfig } from '../../config/app-config';
import { secretWeakness } from '../../config/secret-strength';
import type { Finding } from '../finding';

/**
 * HS256 access tokens. The API refuses a JWT_SECRET under 32 bytes, and a
 * weak one in production; a weak-looking one elsewhere, and the shared
 * secret itself, are still worth saying.
 */
export function jwtCheck(config: AppConfig): Finding[] {
  if (config.jwt.algorithm !== 'HS256') return [];
  const weakness = secretWeakness(config.jwt.secret ?? '');
  if (weakness) {
    return [
      {
        severity: 'medium',
        finding: `JWT_SECRET ${weakness}.`,
        fix: 'Use 32+ random bytes, e.g. `openssl rand -base64 48`.',
      },
    ];
  }
  return [
    {
      severity: 'info',
      finding: 'JWT_ALGORITHM=HS256: every service verifying tokens holds the signing secret.',
      fix: 'Prefer ES256 (public keys at /.well-known/jwks.json).',
    },
  ];
}
