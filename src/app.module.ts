import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { createRootLogger, loggerParams } from './audit/logging';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import type { RuntimeSecrets } from './config/runtime-secrets';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IpAllowlistGuard } from './ip-allowlist/ip-allowlist.guard';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SessionsModule } from './sessions/sessions.module';
import { StateModule } from './state/state.module';
import { StepUpModule } from './step-up/step-up.module';
import { TwoFactorModule } from './two-factor/two-factor.module';
import { WebAuthnModule } from './webauthn/webauthn.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  /** `logger`: the application's pino logger (createApp passes its own; stdout otherwise). */
  static register(
    config: AppConfig,
    secrets: RuntimeSecrets,
    logger: PinoLogger = createRootLogger(config),
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerParams(logger)),
        AuditModule.register(config, logger),
        AppConfigModule.register(config, secrets),
        StateModule,
        AccessModule,
        RateLimitModule,
        DatabaseModule,
        SessionsModule,
        HealthModule,
        AuthModule,
        TwoFactorModule,
        WebAuthnModule,
        StepUpModule,
        WebhooksModule.register(config, { deliver: true }),
      ],
      providers: [
        // Global guards run in the order they are registered here, and the
        // order is the design: (1) the IP allowlist, so a refused address
        // never touches a rate-limit counter or a signature check; (2) rate
        // limits, so a flood is refused before any token is verified; (3) the
        // token check, deny by default, opted out of only by @Public() or
        // swapped for the pre-auth check by @PreAuth().
        { provide: APP_GUARD, useClass: IpAllowlistGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
    };
  }
}
