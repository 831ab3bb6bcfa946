import type { Provider } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service';
import { WebhookSender } from './webhook-sender';

export const WEBHOOK_SENDER = Symbol('WEBHOOK_SENDER');

/** Built at startup: an unreadable SECURITY_WEBHOOK_CA_FILE stops the boot instead of every delivery. */
export const webhookSenderProvider: Provider = {
  provide: WEBHOOK_SENDER,
  inject: [AppConfigService],
  useFactory: (config: AppConfigService) =>
    new WebhookSender(config.app.securityWebhook as NonNullable<typeof config.app.securityWebhook>),
};
