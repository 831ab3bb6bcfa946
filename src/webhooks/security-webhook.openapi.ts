import { getSchemaPath, type OpenAPIObject, type PathItemObject } from '@nestjs/swagger';
import type { OpenApiContribution } from '../openapi/openapi.setup';
import { SecurityWebhookDto, WEBHOOK_ID_PATTERN } from './dto/security-webhook.dto';

/** The extension under which the document describes what the API sends (OpenAPI 3.1 would call it `webhooks`). */
export const WEBHOOKS_EXTENSION = 'x-webhooks';

/**
 * The security webhook a receiver gets (SECURITY_WEBHOOK_URL): its body
 * schema and its Standard Webhooks headers, so a receiver can generate its
 * types from the same document as a client. OpenAPI 3.0, which
 * @nestjs/swagger writes, has no `webhooks` section: the POST is described
 * under `x-webhooks`, in the shape 3.1 gives it.
 */
export const SECURITY_WEBHOOK_OPENAPI: OpenApiContribution = {
  extraModels: [SecurityWebhookDto],
  extend: withSecurityWebhook,
};

function withSecurityWebhook(document: OpenAPIObject): OpenAPIObject {
  const header = (name: string, description: string, pattern: string, maxLength: number) => ({
    name,
    in: 'header' as const,
    required: true,
    description,
    schema: { type: 'string' as const, pattern, maxLength },
  });
  const securityEvent: PathItemObject = {
    post: {
      operationId: 'securityWebhook',
      summary: 'A security event for the account owner, POSTed to SECURITY_WEBHOOK_URL (docs/webhooks.md)',
      description:
        'Signed per Standard Webhooks: webhook-signature is "v1," and the base64 HMAC-SHA256, under the key of ' +
        'SECURITY_WEBHOOK_SECRET, of "{webhook-id}.{webhook-timestamp}.{body}". Any 2xx answer is a delivery; ' +
        "anything else is retried with backoff for 24 hours. A user's events arrive in order.",
      tags: ['webhooks'],
      parameters: [
        header('webhook-id', "The event id (the body's id), the same in every retry", WEBHOOK_ID_PATTERN, 40),
        header('webhook-timestamp', 'This attempt, in seconds since the epoch', '^[0-9]{1,12}$', 12),
        header('webhook-signature', 'v1,<base64 HMAC-SHA256>', '^v1,[A-Za-z0-9+/]{43}=$', 47),
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: getSchemaPath(SecurityWebhookDto) } } },
      },
      responses: {
        '2XX': { description: 'Delivered: the event is not sent again' },
        default: { description: 'Not delivered: sent again later, for up to 24 hours' },
      },
    },
  };
  return { ...document, [WEBHOOKS_EXTENSION]: { securityEvent } } as OpenAPIObject;
}
