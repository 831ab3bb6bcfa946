import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import pino from 'pino';
import { AuditModule } from '../audit/audit.module';
import { createRootLogger } from '../audit/logging';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule, RUNTIME_SECRETS } from '../config/app-config.module';
import { AppConfigService } from '../config/app-config.service';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { DatabaseModule } from '../database/database.module';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { StateModule } from '../state/state.module';
import { RecoveryCodeHasher } from '../two-factor/recovery-code-hasher';
import { RecoveryCode } from '../two-factor/recovery-code.entity';
import { RecoveryCodesService } from '../two-factor/recovery-codes.service';
import { TotpSecretVault } from '../two-factor/totp-secret-vault';
import { TotpService } from '../two-factor/totp.service';
import { UsersModule } from '../users/users.module';
import { AdminService } from './admin.service';

/**
 * What the admin CLI needs, without the HTTP pieces (no global guards, no
 * auth or 2FA controllers' services): the same config, database (with its
 * migrations), short-lived store, users, sessions and lockout as the API.
 * The two-factor crypto providers are built exactly as TwoFactorModule
 * builds them (same config values, same secrets), which TwoFactorModule
 * does not export.
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
        TypeOrmModule.forFeature([RecoveryCode]),
      ],
      providers: [
        AdminService,
        RecoveryCodesService,
        {
          provide: TotpService,
          inject: [AppConfigService],
          useFactory: (c: AppConfigService) =>
            new TotpService({ window: c.app.totp.window, issuer: c.app.totp.issuer }),
        },
        {
          provide: TotpSecretVault,
          inject: [RUNTIME_SECRETS],
          useFactory: (s: RuntimeSecrets) => new TotpSecretVault(s.appSecret, s.previousAppSecret),
        },
        {
          provide: RecoveryCodeHasher,
          inject: [RUNTIME_SECRETS],
          useFactory: (s: RuntimeSecrets) => new RecoveryCodeHasher(s.appSecret, s.previousAppSecret),
        },
      ],
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
