import { DynamicModule, Module } from '@nestjs/common';
import pino from 'pino';
import { AuditModule } from '../audit/audit.module';
import { createRootLogger } from '../audit/logging';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { DatabaseModule } from '../database/database.module';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { FactorsModule } from '../factors/factors.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { StateModule } from '../state/state.module';
import { UsersModule } from '../users/users.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminService } from './admin.service';

/**
 * What the admin CLI needs, without the HTTP pieces (no global guards, no
 * controllers): the same config, database (with its migrations),
 * short-lived store, users, sessions and lockout as the API, and the same
 * second-factor core, so enrollment and reset follow the API's rules.
 */
@Module({})
export class CliModule {
  static register(config: AppConfig, secrets: RuntimeSecrets): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.register(config, secrets),
        AuditModule.register(config, cliLogger(config)),
        StateModule,
        RateLimitModule,
        DatabaseModule,
        UsersModule,
        SessionsModule,
        EnrollmentModule,
        FactorsModule,
        // The CLI's 2FA reset and enrollment are account changes the owner hears about; the API delivers them.
        WebhooksModule.register(config, { deliver: false }),
      ],
      providers: [AdminService],
    };
  }
}

/** JSON log lines on stderr (stdout is the command's output), warnings and worse unless LOG_LEVEL is stricter. */
function cliLogger(config: AppConfig) {
  const strict = config.logLevel === 'fatal' || config.logLevel === 'error';
  return createRootLogger(
    { ...config, logLevel: strict ? config.logLevel : 'warn' },
    pino.destination({ fd: 2, sync: true }),
  );
}
