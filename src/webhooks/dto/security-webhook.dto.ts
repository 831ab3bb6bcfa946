import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_TYPES, type WebhookPayload, type WebhookType } from '../webhook-payload';
import { SecurityWebhookDataDto } from './security-webhook-data.dto';

/** The event id: msg_ and a UUID, as WebhookOutbox makes it. */
export const WEBHOOK_ID_PATTERN = '^msg_[0-9a-f-]{36}$';

/**
 * The body of every security webhook POST (docs/webhooks.md). OpenAPI 3.0,
 * which @nestjs/swagger writes, has no `webhooks` section, so the document
 * lists this schema in its components and describes the POST under the
 * `x-webhooks` extension (the shape 3.1's `webhooks` takes).
 */
export class SecurityWebhookDto implements WebhookPayload {
  @ApiProperty({
    maxLength: 40,
    pattern: WEBHOOK_ID_PATTERN,
    description: 'The event id, the same as the webhook-id header and in every retry: deduplicate on it',
  })
  id: string;

  @ApiProperty({ enum: WEBHOOK_TYPES })
  type: WebhookType;

  @ApiProperty({
    format: 'date-time',
    maxLength: 24,
    description: 'When the event happened; webhook-timestamp is the attempt',
  })
  timestamp: string;

  @ApiProperty({ type: SecurityWebhookDataDto })
  data: SecurityWebhookDataDto;
}
