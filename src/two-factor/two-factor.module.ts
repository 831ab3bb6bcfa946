import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RUNTIME_SECRETS } from '../config/app-config.module';
import { AppConfigService } from '../config/app-config.service';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { RecoveryCodeHasher } from './recovery-code-hasher';
import { RecoveryCode } from './recovery-code.entity';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpCheckerService } from './totp-checker.service';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpService } from './totp.service';
import { TwoFactorSettingsController } from './two-factor-settings.controller';
import { TwoFactorSettingsService } from './two-factor-settings.service';
import { TwoFactorController } from './two-factor.controller';
import { TwoFactorService } from './two-factor.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([RecoveryCode]),
    UsersModule,
    TokensModule,
    EnrollmentModule,
    SessionsModule,
    RateLimitModule,
  ],
  controllers: [TwoFactorController, TwoFactorSettingsController],
  providers: [
    TwoFactorService,
    TwoFactorSettingsService,
    TotpCheckerService,
    RecoveryCodesService,
    {
      provide: TotpService,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) =>
        new TotpService({ window: config.app.totp.window, issuer: config.app.totp.issuer }),
    },
    {
      provide: TotpSecretVault,
      inject: [RUNTIME_SECRETS],
      useFactory: (secrets: RuntimeSecrets) => new TotpSecretVault(secrets.appSecret, secrets.previousAppSecret),
    },
    {
      provide: RecoveryCodeHasher,
      inject: [RUNTIME_SECRETS],
      useFactory: (secrets: RuntimeSecrets) => new RecoveryCodeHasher(secrets.appSecret, secrets.previousAppSecret),
    },
  ],
  exports: [TotpCheckerService, EnrollmentModule],
})
export class TwoFactorModule {}
