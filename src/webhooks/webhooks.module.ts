import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhookOutboxRow } from './webhook-outbox.entity';
import { WebhookOutbox } from './webhook-outbox.service';
import { webhookSenderProvider } from './webhook-sender.provider';

/**
 * Signed security webhooks (docs/webhooks.md), on only with
 * SECURITY_WEBHOOK_URL. The API records events into the outbox and runs the
 * delivery worker; the admin CLI (`deliver: false`) only records them, and a
 * running API delivers.
 */
@Module({})
export class WebhooksModule {
  static register(config: AppConfig, options: { deliver: boolean }): DynamicModule {
    if (!config.securityWebhook) return { module: WebhooksModule };
    return {
      module: WebhooksModule,
      imports: [TypeOrmModule.forFeature([WebhookOutboxRow]), UsersModule],
      providers: [WebhookOutbox, ...(options.deliver ? [webhookSenderProvider, WebhookDelivery] : [])],
    };
  }
}
