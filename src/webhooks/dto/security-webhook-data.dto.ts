import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_AGENT_MAX_LENGTH } from '../../audit/request-origin';
import { ISO_DATE_TIME, UUID } from '../../openapi/string-formats';
import { USERNAME_MAX_LENGTH, USERNAME_PATTERN } from '../../users/username';
import type { WebhookData } from '../webhook-payload';

/** The `data` of a security webhook, as the OpenAPI document publishes it for receivers. */
export class SecurityWebhookDataDto implements WebhookData {
  @ApiProperty({ ...UUID, description: 'The account the event concerns' })
  userId: string;

  @ApiPropertyOptional({
    maxLength: USERNAME_MAX_LENGTH,
    pattern: USERNAME_PATTERN.source,
    description: 'Its username, as stored',
  })
  username?: string;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 64,
    example: '203.0.113.7',
    description: 'The client address the API resolved; null for the admin CLI or when unknown',
  })
  clientAddress: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: USER_AGENT_MAX_LENGTH,
    description:
      'The User-Agent header, cut to 256 characters with control characters as \\uXXXX escapes; ' +
      'client-chosen text: show it as text, never as HTML. Null when none was sent',
  })
  userAgent: string | null;

  @ApiProperty({ ...ISO_DATE_TIME, description: 'When the event happened (the same as the top-level timestamp)' })
  time: string;

  @ApiProperty({ enum: ['api', 'cli'], description: 'Who made the change: a request to the API, or the admin CLI' })
  actor: 'api' | 'cli';

  @ApiPropertyOptional({
    ...UUID,
    description: 'A device token id (never the token): the device a new login was given, or whose counter locked',
  })
  deviceId?: string;

  @ApiPropertyOptional({
    enum: ['totp', 'recovery-code', 'enrollment', 'webauthn', 'webauthn-enrollment', 'passwordless'],
    description: 'auth.login.new_device: how the login was completed',
  })
  method?: string;

  @ApiPropertyOptional({
    ...UUID,
    description: 'auth.refresh.reuse_detected: the session the reused refresh token belonged to (now ended)',
  })
  sessionId?: string;

  @ApiPropertyOptional({
    maxLength: 8,
    pattern: '^[A-Za-z0-9_-]{1,8}$',
    description: 'auth.webauthn.registered: the first 8 characters of the passkey credential id',
  })
  credential?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 10 * 365 * 24 * 3600,
    description: 'auth.lockout: seconds until the next attempt is taken',
  })
  retryAfterSeconds?: number;
}
